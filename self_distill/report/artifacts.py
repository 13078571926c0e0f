"""Experiment outputs: a results folder with a manifest, JSON results and PNG plots.

Every experiment writes ``manifest.json`` (seed, model specs, prompt hashes, data split, code
version) next to its results, so a figure can always be traced to what produced it.

By default a run writes into a fresh folder under the per-user data home
(``runs/<experiment>/<timestamp>``), never into the repository: the committed ``results/``
change only when someone passes ``--out results/<experiment>`` on purpose.
"""

from __future__ import annotations

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
