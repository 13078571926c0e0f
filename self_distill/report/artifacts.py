"""Experiment outputs: a results folder with a manifest, JSON results and PNG plots.

Every experiment writes ``manifest.json`` (seed, model specs, prompt hashes, data split, code
version) next to its results, so a figure can always be traced to what produced it.

By default a run writes into a fresh folder under the per-user data home
(``runs/<experiment>/<timestamp>``), never into the repository: the committed ``results/``
change only when someone passes ``--out results/<experiment>`` on purpose.
"""

from __future__ import annotations

import base64
import html
import json
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from self_distill import __version__
from self_distill.paths import data_home

MANIFEST_FORMAT_VERSION = 1
"""Version of the experiment ``manifest.json`` layout (1: facts plus provenance fields)."""


def run_dir(experiment: str, out: Path | None = None) -> Path:
    """The folder a run writes to: ``out`` when given, else a new timestamped folder under
    ``<data home>/runs/<experiment>/``; created if needed."""
    if out is None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        out = data_home() / "runs" / experiment / stamp
    out.mkdir(parents=True, exist_ok=True)
    return out


def git_revision() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def write_json(path: Path, payload: Any) -> Path:
    """Write JSON atomically (temporary file, then rename)."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
    os.replace(temporary, path)
    return path


def write_manifest(directory: Path, **facts: Any) -> Path:
    """``manifest.json`` with the caller's facts plus time, code revision and platform."""
    manifest = {
        "format_version": MANIFEST_FORMAT_VERSION,
        "package_version": __version__,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_revision": git_revision(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        **facts,
    }
    return write_json(directory / "manifest.json", manifest)


def plot_accuracy_bars(
    path: Path,
    labels: Sequence[str],
    accuracies: Sequence[float],
    intervals: Sequence[tuple[float, float]],
    *,
    baselines: Sequence[float] | None = None,
    title: str,
) -> Path:
    """Bars of accuracy with 95% interval whiskers and, if given, baseline markers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(5.0, 0.9 * len(labels) + 2), 4))
    positions = range(len(labels))
    errors = [
        [acc - lo for acc, (lo, _) in zip(accuracies, intervals, strict=True)],
        [hi - acc for acc, (_, hi) in zip(accuracies, intervals, strict=True)],
    ]
    ax.bar(positions, accuracies, yerr=errors, capsize=4, color="#4C72B0", label="accuracy")
    if baselines is not None:
        ax.scatter(
            positions,
            baselines,
            marker="_",
            s=600,
            color="#C44E52",
            zorder=3,
            label="majority baseline",
        )
    ax.set_xticks(list(positions), labels, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("accuracy (95% Wilson interval)")
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def report_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> tuple[str, str]:
    """The same table as Markdown and as HTML (cells escaped)."""
    md = "| " + " | ".join(headers) + " |\n|" + "---|" * len(headers) + "\n"
    md += "".join("| " + " | ".join(str(cell) for cell in row) + " |\n" for row in rows)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return md, f"<table><tr>{head}</tr>{body}</table>"


def write_report(
    out: Path,
    title: str,
    sections: Sequence[tuple[str, str, str]],
    images: Sequence[Path] = (),
) -> dict[str, Path]:
    """``report.md`` and a self-contained ``report.html`` (images inlined) in ``out``.

    ``sections`` are ``(heading, markdown, html)``: a table from :func:`report_table`, or text.
    """
    pictures_md = "".join(f"![{image.stem}]({image.name})\n\n" for image in images)
    md = f"# {title}\n\n{pictures_md}" + "".join(
        f"## {heading}\n\n{body}\n" for heading, body, _ in sections
    )
    pictures = "".join(
        f"<img alt='{html.escape(image.stem)}' src='data:image/png;base64,"
        f"{base64.b64encode(image.read_bytes()).decode('ascii')}'>"
        for image in images
    )
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}"
        "img{max-width:100%}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{pictures}"
        + "".join(f"<h2>{html.escape(heading)}</h2>{body}" for heading, _, body in sections)
        + "</body></html>\n"
    )
    (out / "report.md").write_text(md, encoding="utf-8")
    (out / "report.html").write_text(page, encoding="utf-8")
    return {"markdown": out / "report.md", "html": out / "report.html"}
