"""Settings a worker is started with; they travel host -> zygote -> worker as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

NOBODY_ID = 65534


@dataclass(frozen=True)
class WorkerConfig:
    """Everything a worker needs to harden itself and to police its own output.

    ``disabled_layers`` exists only so the test suite can prove what each remaining layer stops
    on its own; the product path never sets it (see ``Sandbox._test_disabled_layers``).
    """

    scratch_dir: str
    memory_mb: int = 512
    cpu_limit_s: int = 600
    max_open_files: int = 32
    max_file_bytes: int = 16 * 1024 * 1024
    uid: int = NOBODY_ID
    gid: int = NOBODY_ID
    max_output_bytes: int = 1024 * 1024
    max_request_bytes: int = 64 * 1024 * 1024
    disabled_layers: tuple[str, ...] = field(default_factory=tuple)

    @property
    def restricted(self) -> bool:
        """Whether code is compiled by RestrictedPython (always, outside the test suite)."""
        return "restricted_python" not in self.disabled_layers

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with exactly the field names."""
        data = asdict(self)
        data["disabled_layers"] = list(self.disabled_layers)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkerConfig:
        """Rebuild a config from :meth:`to_dict` output; ``TypeError`` on unknown fields."""
        values = dict(data)
        values["disabled_layers"] = tuple(values.get("disabled_layers", ()))
        return cls(**values)
