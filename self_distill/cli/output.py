"""Shared terminal output for CLI commands: rich consoles and exact JSON printing.

Progress bars and tables for people go to stderr or stdout through rich; ``--json`` output goes
to stdout as one plain JSON document, so it can be piped into other tools.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import click
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

console = Console()
err_console = Console(stderr=True)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_surrogates(text: str) -> str:
    """``text`` with each lone surrogate written as a ``\\uXXXX`` escape.

    Python keeps undecodable bytes (a non-UTF-8 ``--input``, a skill's output) as lone
    surrogates; printed as they are, they become raw bytes such as 0xFF (invalid UTF-8) under a
    C locale or a UnicodeEncodeError under UTF-8. Inside a JSON string the escape is exactly the
    JSON spelling of that code unit, so a JSON document stays valid and round-trips.
    """
    return _LONE_SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def print_json(payload: Any) -> None:
    """Print one JSON document to stdout with no styling, always as valid UTF-8."""
    click.echo(escape_surrogates(json.dumps(payload, ensure_ascii=False, default=str)))


allow_missing_layers_option = click.option(
    "--allow-missing-layers",
    is_flag=True,
    help="Run the sandbox even where this machine lacks an isolation layer (warns for each).",
)
"""The one ``--allow-missing-layers`` flag of every command that starts a sandbox."""


def warn_missing_layers(missing: Mapping[str, str]) -> None:
    """One warning line on stderr per sandbox isolation layer this run goes without, and why."""
    for layer, reason in missing.items():
        err_console.print(
            f"[yellow]warning:[/] running without the {layer} sandbox layer: {escape(reason)}"
        )


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


@dataclass(frozen=True)
class Column:
    """One column of a listing. An ``identifier`` (spec, id, path, run id) is never cut: other
    columns fold around it, and when it cannot fit the listing prints one block per row."""

    header: str
    identifier: bool = False
    justify: Literal["left", "right"] = "left"


Cell = str | Text
"""A listing cell: plain text (never read as markup) or styled rich Text."""

_GAP = 3
"""Characters between two columns of a listing table (padding, separator, padding)."""
_MIN_FOLDED = 8
"""Narrowest a folded (non-identifier) column is squeezed to before the block layout is used."""


def _text(cell: Cell) -> Text:
    return cell if isinstance(cell, Text) else Text(cell)


def _natural_width(header: str, cells: Sequence[Text]) -> int:
    lines = [line for cell in cells for line in cell.plain.splitlines()] + [header]
    return max(cell_len(line) for line in lines)


def _folded_widths(naturals: list[int], space: int) -> list[int] | None:
    """Widths for the folded columns within ``space``: each gets its natural width when all fit,
    else at least ``_MIN_FOLDED`` (or its natural width if smaller) and a fair share of the rest."""
    floors = [min(width, _MIN_FOLDED) for width in naturals]
    if sum(floors) > space:
        return None
    widths = list(floors)
    left = space - sum(floors)
    order = sorted(range(len(naturals)), key=lambda i: naturals[i] - floors[i])
    for position, index in enumerate(order):
        share = left // (len(order) - position)
        extra = min(naturals[index] - floors[index], share)
        widths[index] += extra
        left -= extra
    return widths


def print_listing(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    *,
    title: str | None = None,
    out: Console | None = None,
) -> None:
    """Print ``rows`` readably at the console's width (``COLUMNS``, 80 in a pipe).

    A borderless table when every identifier column fits whole beside the others folded to a
    few characters; otherwise one block per row (the first identifier, then ``header: value``
    lines), never wrapped. The title is a line of its own, never wrapped, since it often names
    a path. Cells are plain text: brackets in data are never read as markup.
    """
    out = out or console
    if title:
        out.print(Text(title, style="bold"), soft_wrap=True)
    texts = [[_text(cell) for cell in row] for row in rows]
    naturals = [
        _natural_width(column.header, [row[i] for row in texts]) for i, column in enumerate(columns)
    ]
    fixed = sum(w for w, c in zip(naturals, columns, strict=True) if c.identifier)
    space = out.width - fixed - _GAP * (len(columns) - 1)
    folded = [w for w, c in zip(naturals, columns, strict=True) if not c.identifier]
    widths = _folded_widths(folded, space) if space > 0 else None
    if widths is None:
        _print_blocks(columns, texts, out)
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))
    shares = iter(widths)
    for column, natural in zip(columns, naturals, strict=True):
        width = natural if column.identifier else next(shares)
        table.add_column(
            column.header,
            justify=column.justify,
            width=width,
            no_wrap=column.identifier,
            overflow="ignore" if column.identifier else "fold",
        )
    for row in texts:
        table.add_row(*row)
    if out.is_terminal:
        out.print(table)
        return
    with out.capture() as captured:
        out.print(table)
    click.echo("\n".join(line.rstrip() for line in captured.get().splitlines()), file=out.file)


def _print_blocks(columns: Sequence[Column], rows: Sequence[Sequence[Text]], out: Console) -> None:
    head = next((i for i, column in enumerate(columns) if column.identifier), 0)
    for number, row in enumerate(rows):
        if number:
            out.print()
        heading = row[head].copy()
        heading.stylize("bold")
        out.print(heading, soft_wrap=True)
        for i, (column, cell) in enumerate(zip(columns, row, strict=True)):
            if i == head or not cell.plain:
                continue
            lines = cell.split("\n")
            first = Text.assemble(f"  {column.header}: ", lines[0])
            out.print(first, soft_wrap=True)
            for line in lines[1:]:
                out.print(Text.assemble("    ", line), soft_wrap=True)


def text_or_stdin(value: str | None, what: str) -> str:
    """``value``, or all of standard input when it is ``-`` (or absent while stdin is a pipe);
    a usage error when there is nothing to read."""
    stdin = sys.stdin
    if value == "-" or (value is None and not stdin.isatty()):
        return stdin.read()
    if value is None:
        raise click.UsageError(f"give {what}, or - to read it from standard input")
    return value


def print_raw(text: str) -> None:
    """``text`` exactly as it is on stdout (UTF-8, no wrapping, no markup); a newline is added
    only on a terminal, so a pipe receives the text byte for byte."""
    stream = click.get_binary_stream("stdout")
    stream.write(text.encode("utf-8", "surrogateescape"))
    if stream.isatty() and not text.endswith("\n"):
        stream.write(b"\n")
    stream.flush()
