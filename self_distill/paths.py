"""Where self-distill keeps per-user data: the ledger, the response cache, assembled models.

The base directory is ``$SELF_DISTILL_HOME`` when set, otherwise ``$XDG_DATA_HOME/self-distill``
or ``~/.local/share/self-distill``. Tests point ``SELF_DISTILL_HOME`` at a temporary directory.
"""

import os
from pathlib import Path


def data_home() -> Path:
    """Return the per-user data directory, creating it if needed."""
    explicit = os.environ.get("SELF_DISTILL_HOME")
    if explicit:
        base = Path(explicit)
    else:
        xdg = os.environ.get("XDG_DATA_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".local" / "share") / "self-distill"
    base.mkdir(parents=True, exist_ok=True)
    return base


def default_ledger_path() -> Path:
    """The ledger used when neither config nor flags name one."""
    return data_home() / "ledger.sqlite3"


def default_cache_path() -> Path:
    """The response cache used when neither config nor flags name one."""
    return data_home() / "response_cache.sqlite3"


def models_dir() -> Path:
    """Directory holding model files self-distill assembles itself.

    ``$SELF_DISTILL_MODELS_DIR`` overrides it, so a test (or a user) can keep a fresh data home
    while sharing one 1.1 GB assembled model.
    """
    explicit = os.environ.get("SELF_DISTILL_MODELS_DIR")
    path = Path(explicit) if explicit else data_home() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path
