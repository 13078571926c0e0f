"""The one way a report is written: ``report.md`` and a self-contained ``report.html``.

Tables come out the same in both; PNG plots are linked from the Markdown and inlined into the
HTML as data URIs, so the HTML file can be mailed or archived alone.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}"
)


@dataclass(frozen=True)
class Section:
    """A titled table, optionally with a note above it (no headers: the note alone)."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    note: str = ""


def cell(value: Any) -> str:
    """How a figure is shown in a table: floats to three places, None as a dash."""
    if isinstance(value, float):
        return f"{value:.3f}"
    return "-" if value is None else str(value)


def markdown_table(section: Section) -> str:
    """The section's table as Markdown (empty for a note-only section)."""
    if not section.headers:
        return ""
    lines = ["| " + " | ".join(section.headers) + " |", "|" + "---|" * len(section.headers)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in section.rows]
    return "\n".join(lines) + "\n"


def _html_table(section: Section) -> str:
    if not section.headers:
        return ""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in section.headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell(value))}</td>" for value in row) + "</tr>"
        for row in section.rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def write_report(
    out: Path, title: str, sections: Sequence[Section], images: Sequence[Path] = ()
) -> dict[str, Path]:
    """Write ``report.md`` and ``report.html`` into ``out`` (images must lie in ``out``)."""
    out.mkdir(parents=True, exist_ok=True)
    md = [f"# {title}\n"]
    md += [f"![{image.stem}]({image.name})\n" for image in images]
    page = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
    ]
    for image in images:
        data = base64.b64encode(image.read_bytes()).decode("ascii")
        page.append(f"<img alt='{html.escape(image.stem)}' src='data:image/png;base64,{data}'>")
    for section in sections:
        note = f"{section.note}\n\n" if section.note else ""
        md.append(f"## {section.title}\n\n{note}{markdown_table(section)}")
        html_note = f"<p>{html.escape(section.note)}</p>" if section.note else ""
        page.append(f"<h2>{html.escape(section.title)}</h2>{html_note}{_html_table(section)}")
    page.append("</body></html>\n")
    (out / "report.md").write_text("\n".join(md), encoding="utf-8")
    (out / "report.html").write_text("".join(page), encoding="utf-8")
    return {"markdown": out / "report.md", "html": out / "report.html"}
