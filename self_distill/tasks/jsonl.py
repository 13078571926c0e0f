"""The one JSON Lines reader and writer: task files, skill examples, other-cluster inputs.

Lines are split on ``\\n`` only. ``str.splitlines`` also splits on U+2028, U+2029, U+0085 and
other separators that are legal inside JSON strings, so a valid file written by ``json.dumps``
with ``ensure_ascii=False`` would be rejected. Every error names the file and line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from self_distill.errors import DataError


@dataclass(frozen=True)
class JsonlRow:
    """One JSON object of a file and where it came from (``where`` is ``path:line``)."""

    line: int
    where: str
    record: dict[str, Any]


def read_text_file(path: Path) -> str:
    """The UTF-8 text of ``path``; a :class:`DataError` says why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: file not found; check the path") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder; give a data file") from None
    except UnicodeDecodeError as error:
        raise DataError(
            f"{path}: not UTF-8 text ({error.reason} at byte {error.start}); save it as UTF-8"
        ) from None
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error.strerror})") from None


def read_jsonl(path: str | Path, *, skipped: list[str] | None = None) -> Iterator[JsonlRow]:
    """Each non-blank line of ``path`` as a JSON object, in order.

    Raises :class:`DataError` naming ``path:line`` for invalid JSON or a line that is not an
    object; what the object must hold is the caller's business. With ``skipped`` given, a bad
    line is not an error: its message is appended there and the line left out.
    """
    path = Path(path)
    yield from parse_jsonl(read_text_file(path), str(path), skipped=skipped)


def parse_jsonl(text: str, source: str, *, skipped: list[str] | None = None) -> Iterator[JsonlRow]:
    """:func:`read_jsonl` over text already read (standard input); ``source`` names it."""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            problem = DataError(
                f"{where}: invalid JSON ({error.msg} at column {error.colno}); "
                "expected one JSON object per line"
            )
        else:
            if isinstance(record, dict):
                yield JsonlRow(number, where, record)
                continue
            problem = DataError(f"{where}: expected a JSON object, found {type(record).__name__}")
        if skipped is None:
            raise problem
        skipped.append(str(problem))


def jsonl_text(records: Iterable[dict[str, Any]]) -> str:
    """``records`` as JSON Lines text (UTF-8 kept as is), ending with a newline when not empty."""
    lines = [json.dumps(record, ensure_ascii=False) for record in records]
    return "".join(line + "\n" for line in lines)
