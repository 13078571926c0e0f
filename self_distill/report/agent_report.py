"""The report of an agent run: ``report.md`` and a self-contained ``report.html`` (tables, and
PNG plots inlined as data URIs), built from the ledger alone.

With a baseline run (the same model answering every task of the same stream, e.g. exp005's
baseline arm) the cumulative-token plot shows both arms over the stream.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from self_distill.agent.summary import run_summary
from self_distill.ledger import Ledger
from self_distill.ledger.agent_journal import AgentJournal
from self_distill.report.pages import Section, cell, write_report


def cumulative_agent_tokens(ledger: Ledger, run_id: str) -> list[int]:
    """Tokens spent by the agent up to and including each task (creation and drift checks are
    counted at the task after which they happened)."""
    journal = AgentJournal(ledger, run_id)
    per_task = [task.tokens for task in journal.tasks()]
    for event in journal.events():
        if 0 <= event.seq < len(per_task):
            per_task[event.seq] += event.tokens
    total, running = 0, []
    for tokens in per_task:
        total += tokens
        running.append(total)
    return running


def cumulative_run_tokens(ledger: Ledger, run_id: str) -> list[int]:
    """Tokens of a run's calls in call order, accumulated (a baseline run: one call a task)."""
    rows = ledger.query(
        "SELECT input_tokens + output_tokens FROM model_calls WHERE run_id = ? ORDER BY id",
        (run_id,),
    )
    total, running = 0, []
    for (tokens,) in rows:
        total += int(tokens)
        running.append(total)
    return running


def plot_cumulative_tokens(
    path: Path, agent: list[int], baseline: list[int] | None, title: str
) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(7, 4))
    axis.plot(range(1, len(agent) + 1), agent, label="agent (answers, creation, checks)")
    if baseline:
        axis.plot(range(1, len(baseline) + 1), baseline, label="baseline (model answers all)")
    axis.set_xlabel("tasks answered")
    axis.set_ylabel("cumulative tokens (input + output)")
    axis.set_title(title, fontsize=10)
    axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_agent_report(
    ledger: Ledger,
    run_id: str,
    out: Path,
    *,
    baseline_run: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Path]:
    """Write ``report.md``, ``report.html`` and ``tokens.png`` for ``run_id`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    summary = run_summary(ledger, run_id)
    agent = cumulative_agent_tokens(ledger, run_id)
    baseline = cumulative_run_tokens(ledger, baseline_run) if baseline_run else None
    plot = plot_cumulative_tokens(out / "tokens.png", agent, baseline, f"agent run {run_id}")
    sections: list[Section] = []
    accuracy = summary["accuracy"]
    ci = summary["accuracy_ci95"]
    headline = [
        ["tasks", summary["tasks"]],
        ["tokens (all calls of the run)", summary["tokens"]],
        [
            "accuracy (scored tasks)",
            cell(accuracy) + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""),
        ],
        [
            "creations tried / accepted",
            f"{summary['creations_tried']} / {summary['creations_accepted']}",
        ],
        ["demotions", len(summary["demotions"])],
        ["skill answers outside their family", summary["skill_answers_outside_their_family"]],
        [
            "skill answers outside the families they were verified on",
            summary["skill_answers_outside_their_verified_families"],
        ],
    ]
    if baseline:
        headline.append(["baseline tokens", baseline[-1]])
        headline.append(
            ["token ratio (agent / baseline)", f"{agent[-1] / max(baseline[-1], 1):.3f}"]
        )
    for key, value in (extra or {}).items():
        headline.append([key, cell(value)])
    sections.append(Section("Summary", ["figure", "value"], headline))
    families = sorted(summary["routes_by_family"])
    route_rows = [
        [
            family,
            *(summary["routes_by_family"][family].get(r, 0) for r in ("skill", "student", "model")),
        ]
        for family in families
    ]
    sections.append(
        Section("Routes by family", ["family", "skill", "student", "model"], route_rows)
    )
    creation_rows = [
        [
            c["seq"],
            c["cluster"],
            c["family"],
            "yes" if c["accepted"] else "no",
            c["tokens"],
            cell(c["heldout_accuracy"]),
            ", ".join(c["reasons"] or []),
        ]
        for c in summary["creations"]
    ]
    sections.append(
        Section(
            "Creations (each failed one's cost included)",
            [
                "after task",
                "cluster",
                "family",
                "accepted",
                "tokens",
                "held-out acc",
                "reasons",
            ],
            creation_rows,
        )
    )
    purpose_rows = [[p, t] for p, t in sorted(summary["tokens_by_purpose"].items())]
    sections.append(Section("Tokens by purpose", ["purpose", "tokens"], purpose_rows))
    pages = write_report(out, f"Agent run {run_id}", sections, [plot])
    return {**pages, "plot": plot}
