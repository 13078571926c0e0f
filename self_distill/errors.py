"""One exception hierarchy for the whole package.

Every error a user can cause or meet carries a message that says what was wrong, where, and what
to do about it. The CLI prints ``str(error)`` as one line and exits non-zero; a traceback appears
only with ``--debug``.
"""


class SelfDistillError(Exception):
    """Base of every error the package raises on purpose."""

    exit_code = 1


class UsageError(SelfDistillError):
    """The caller asked for something malformed (bad flag value, bad file argument)."""

    exit_code = 2


class ConfigError(SelfDistillError):
    """A configuration file, environment variable or setting is invalid."""


class DataError(SelfDistillError):
    """A data file is missing or malformed; the message names file, line and problem."""


class LedgerError(SelfDistillError):
    """The SQLite ledger cannot be opened, migrated or written."""


class ModelError(SelfDistillError):
    """Base for every failure of a text generator."""


class UnknownModelSpecError(ModelError):
    """A model spec string names no known backend or model."""


class ModelFileError(ModelError):
    """A model file is missing, corrupt, or fails its size/sha256 pin."""


class ModelInputTooLongError(ModelError):
    """A prompt is longer than the configured ``max_input_chars``; it was never sent."""


class ModelUnavailableError(ModelError):
    """A model server cannot be reached (refused connection, not running)."""


class ModelAuthError(ModelError):
    """The model service rejected the credentials."""


class ModelRateLimitError(ModelError):
    """The model service refused the request for rate or load reasons (429, 529)."""


class ModelResponseError(ModelError):
    """The model service answered with something unusable."""


class ExportError(SelfDistillError):
    """A student cannot be exported: llama.cpp's converter or its source is missing or fails."""


class SandboxError(SelfDistillError):
    """The sandbox cannot start, lost its worker, or lacks a required isolation layer."""


class CodeRejectedError(SelfDistillError):
    """Untrusted code could not be loaded into the sandbox.

    ``kind`` is ``syntax`` (it does not parse), ``policy`` (the sandbox policy refuses it) or
    ``runtime`` (its module-level code raised, timed out or crashed the worker).
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


class SkillError(SelfDistillError):
    """A skill cannot be created, stored or loaded."""
