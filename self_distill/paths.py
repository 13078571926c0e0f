"""Where self-distill keeps per-user data: one home for everything a user accumulates.

The base directory is ``$SELF_DISTILL_HOME`` when set, otherwise ``$XDG_DATA_HOME/self-distill``
or ``~/.local/share/self-distill``. It holds the ledger, the response and embedding caches, the
skill store (``skills/``), assembled models (``models/``) and experiment run folders (``runs/``);
each can be pointed elsewhere (settings ``ledger_path``, ``cache_path``, ``skills_store``;
``$SELF_DISTILL_MODELS_DIR``). Tests point ``SELF_DISTILL_HOME`` at a temporary directory.

Looking a location up never creates it: a command that only reads (``ledger summary``,
``models list``) must leave the disk as it found it. Whoever writes calls
:func:`ensure_directory`, which turns an impossible location (under a file, read-only) into a
:class:`~self_distill.errors.ConfigError` naming the setting to change.
"""

import os
from pathlib import Path

from self_distill.errors import ConfigError


def _data_home_source() -> str:
    if os.environ.get("SELF_DISTILL_HOME"):
        return "SELF_DISTILL_HOME"
    return "XDG_DATA_HOME" if os.environ.get("XDG_DATA_HOME") else "the default data home"


def default_data_home() -> Path:
    """The data home when ``$SELF_DISTILL_HOME`` is not set."""
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "self-distill"


def data_home() -> Path:
    """The per-user data directory (not created here; see :func:`ensure_directory`)."""
    explicit = os.environ.get("SELF_DISTILL_HOME")
    return Path(explicit).expanduser() if explicit else default_data_home()


def ensure_directory(path: Path, what: str) -> Path:
    """Create ``path`` (and its parents) if needed; a clear error when that is impossible.

    ``what`` names the folder in the message ("the models folder"). When ``path`` lies in the
    data home, the message names the variable that chose it.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ConfigError(
            f"cannot use {path} as {what}: it or a folder above it is a file{_hint(path)}"
        ) from None
    except NotADirectoryError:
        raise ConfigError(
            f"cannot use {path} as {what}: a folder above it is a file{_hint(path)}"
        ) from None
    except OSError as error:
        raise ConfigError(
            f"cannot create {path} as {what}: {error.strerror}{_hint(path)}"
        ) from None
    return path


def _hint(path: Path) -> str:
    home = data_home()
    if path == home or home in path.parents:
        return f"; {_data_home_source()} is {home}: point SELF_DISTILL_HOME at a writable folder"
    return "; choose a writable location or fix the permissions"


def default_ledger_path() -> Path:
    """The ledger used when neither config nor flags name one."""
    return data_home() / "ledger.sqlite3"


def default_cache_path() -> Path:
    """The response cache used when neither config nor flags name one."""
    return data_home() / "response_cache.sqlite3"


def default_skills_store() -> Path:
    """The skill store used when neither config nor flags name one: the same from any folder."""
    return data_home() / "skills"


def models_dir() -> Path:
    """Directory holding model files self-distill assembles itself (not created here).

    ``$SELF_DISTILL_MODELS_DIR`` overrides it, so a test (or a user) can keep a fresh data home
    while sharing one 1.1 GB assembled model.
    """
    explicit = os.environ.get("SELF_DISTILL_MODELS_DIR")
    return Path(explicit).expanduser() if explicit else data_home() / "models"


def model_search_dirs() -> list[Path]:
    """Folders searched for an assembled model, in order: :func:`models_dir`, then (unless
    ``$SELF_DISTILL_MODELS_DIR`` names the one folder) the default data home's ``models/``, so
    setting ``$SELF_DISTILL_HOME`` does not hide a model assembled before it was set."""
    folders = [models_dir()]
    if os.environ.get("SELF_DISTILL_MODELS_DIR"):
        return folders
    fallback = default_data_home() / "models"
    if fallback not in folders:
        folders.append(fallback)
    return folders
