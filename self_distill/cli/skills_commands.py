"""``self-distill skills list|show|run|add|retire|reverify``: the versioned skill library on disk.

A skill is named ``ID`` (its active version, else its newest) or ``ID@VERSION``; ``show`` and
``run`` also take a version folder or a ``.py`` file. The store is ``skills/`` in the data home
unless ``--store`` or the ``skills_store`` setting names another, the same from any folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.syntax import Syntax
from rich.text import Text

from self_distill.api import add_skill, run_skill, skill_file
from self_distill.cli.advice import after_rejected_skill
from self_distill.cli.output import (
    Column,
    allow_missing_layers_option,
    console,
    err_console,
    print_json,
    print_listing,
    print_raw,
    text_or_stdin,
    warn_missing_layers,
)
from self_distill.config import load_settings
from self_distill.errors import UsageError
from self_distill.sandbox import Sandbox
from self_distill.skills.store.manifest import STATUSES
from self_distill.skills.store.reverification import reverify as reverify_version
from self_distill.skills.store.skill_store import (
    CODE_FILE,
    MANIFEST_FILE,
    SkillStore,
    StoredSkill,
    load_version,
)

_STORE_OPTION = click.option(
    "--store", "store_path", default=None, help="Skill store folder (default: config)."
)
_JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


def _store(store_path: str | None) -> SkillStore:
    return SkillStore(load_settings({"skills_store": store_path}).skills_store)


def _accuracy_text(entry: dict[str, Any]) -> str:
    accuracy, interval = entry.get("heldout_accuracy"), entry.get("heldout_ci")
    if accuracy is None:
        return "-"
    if not interval:
        return f"{accuracy:.3f}"
    return f"{accuracy:.3f} [{interval[0]:.2f}, {interval[1]:.2f}]"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@click.group()
def skills() -> None:
    """List, inspect, retire and re-verify stored skills."""


@skills.command("list")
@click.option(
    "--status", type=click.Choice(STATUSES), default=None, help="Only versions with this status."
)
@_STORE_OPTION
@_JSON_OPTION
def list_skills(status: str | None, store_path: str | None, as_json: bool) -> None:
    """Every stored version: status, family, held-out accuracy (95% CI), creation tokens."""
    store = _store(store_path)
    scan = store.scan()
    entries = [
        s.index_entry() for s in scan.skills if status is None or s.manifest.status == status
    ]
    if as_json:
        print_json({"store": str(store.root), "skills": entries, "problems": list(scan.problems)})
        return
    for problem in scan.problems:
        err_console.print(f"[yellow]warning:[/yellow] {escape(problem)}")
    if not entries:
        console.print(f"no skills in {escape(str(store.root))}")
        return
    colours = {"active": "green", "rejected": "red", "retired": "dim", "candidate": "yellow"}
    rows = []
    for entry in entries:
        reasons = ", ".join(entry["reasons"]) or (
            "not verified" if entry["status_reason"].startswith("not verified") else ""
        )
        rows.append(
            [
                f"{entry['id']}@{entry['version']}",
                Text(entry["status"], style=colours[entry["status"]])
                + Text(f" ({reasons})" if reasons else ""),
                str(entry["family"] or entry["cluster"] or "-"),
                _accuracy_text(entry),
                str(entry["creation_tokens"]),
                entry["creator_model"],
            ]
        )
    columns = [
        Column("skill", identifier=True),
        Column("status"),
        Column("family", identifier=True),
        Column("held-out acc [95% CI]"),
        Column("tokens", justify="right"),
        Column("creator", identifier=True),
    ]
    print_listing(columns, rows, title=f"skills in {store.root}")


def _stored(ref: str, store_path: str | None) -> StoredSkill:
    """The stored version ``ref`` names: ID, ID@VERSION, or a version folder or its skill.py."""
    store = _store(store_path)
    path = skill_file(ref, store=store)
    if path.name == CODE_FILE and (path.parent / MANIFEST_FILE).is_file():
        return load_version(path.parent)
    raise UsageError(f"{ref} is a skill file outside any store; `skills show` needs a version")


@skills.command("show")
@click.argument("ref")
@_STORE_OPTION
@_JSON_OPTION
def show(ref: str, store_path: str | None, as_json: bool) -> None:
    """Manifest, verdict and code of REF (ID, ID@VERSION or a version folder); the code whole."""
    stored = _stored(ref, store_path)
    verification = stored.verification()
    if as_json:
        print_json(
            {
                "path": str(stored.path),
                "manifest": stored.manifest.to_dict(),
                "verification": verification.to_dict() if verification else None,
                "code": stored.code(),
            }
        )
        return
    m = stored.manifest
    console.print(f"[bold]{escape(m.ref)}[/bold] {m.status} ({escape(m.status_reason)})")
    facts = {
        "path": str(stored.path),
        "family": m.family,
        "cluster": m.cluster,
        "answer format": m.answer_format,
        "parent": m.parent,
        "creator model": m.creator_model,
        "prompt": f"{m.prompt_version} ({m.prompt_hash})",
        "creation tokens": m.creation_tokens,
        "ledger run": m.run_id,
        "created / updated": f"{m.created_at} / {m.updated_at}",
    }
    for key, value in facts.items():
        console.print(f"  {key}: {escape(str(value))}")
    verdict = verification.verdict.to_dict() if verification else None
    if verdict:
        console.print(
            f"  verdict: {'accepted' if verdict['accepted'] else 'rejected'} "
            f"{escape(', '.join(verdict['reasons']))}; held-out accuracy "
            f"{_accuracy_text(verdict)} on n={verdict['n_heldout']}; best constant answer "
            f"{_share(verdict['baseline_accuracy'])}"
        )
    if console.is_terminal:
        console.print(Syntax(stored.code(), "python", line_numbers=True, word_wrap=True))
    else:
        click.echo(stored.code().rstrip("\n"))


@skills.command("run")
@click.argument("ref")
@click.option(
    "--input",
    "text",
    default=None,
    help="Text passed to solve(); - (or none, on a pipe) reads standard input.",
)
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.001), default=2.0)
@allow_missing_layers_option
@_STORE_OPTION
@_JSON_OPTION
def run(
    ref: str,
    text: str | None,
    timeout_s: float,
    allow_missing_layers: bool,
    store_path: str | None,
    as_json: bool,
) -> None:
    """Answer --input with REF's solve() in the sandbox and print the answer as it is.

    REF is ID (the active version), ID@VERSION, a version folder or a .py file. Exits 1 when the
    skill fails (the error goes to stderr).
    """
    value = text_or_stdin(text, "--input TEXT")
    path = skill_file(ref, store=_store(store_path))
    with Sandbox(timeout_s=timeout_s, allow_missing_layers=allow_missing_layers) as box:
        warn_missing_layers(box.missing_layers)
        result = run_skill(path, value, sandbox=box)
    if as_json:
        print_json({"skill": str(path), **result})
    elif result["ok"]:
        print_raw(str(result["output"]))
    else:
        err_console.print(f"[red]skill failed:[/red] {escape(str(result['error']))}")
    if not result["ok"]:
        raise click.exceptions.Exit(1)


@skills.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--data",
    "data_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Labelled tasks, as for `create` (.jsonl, BBH .json, CoLA .tsv).",
)
@click.option("--id", "skill_id", default=None, help="Skill id (default: from the family).")
@click.option("--parent", default=None, help="The stored version this code was fixed from.")
@click.option("--family", default=None, help="Pick one family from a file holding several.")
@click.option("--seed", default=0, show_default=True, help="Seeds the split, as for `create`.")
@click.option("--shown", "n_shown", default=16, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--heldout", "max_heldout", default=200, show_default=True, type=click.IntRange(1, 100_000)
)
@allow_missing_layers_option
@_STORE_OPTION
@_JSON_OPTION
def add(
    file: Path,
    data_path: Path,
    skill_id: str | None,
    parent: str | None,
    family: str | None,
    seed: int,
    n_shown: int,
    max_heldout: int,
    allow_missing_layers: bool,
    store_path: str | None,
    as_json: bool,
) -> None:
    """Verify a hand-written or hand-fixed skill FILE exactly as `create` verifies a candidate
    (same split for the same --seed/--shown/--heldout, same checks) and store it: active when
    accepted, rejected otherwise. Exits 1 when it is rejected."""
    stored = add_skill(
        file,
        data_path,
        skill_id=skill_id,
        family=family,
        parent=parent,
        seed=seed,
        n_shown=n_shown,
        max_heldout=max_heldout,
        store=_store(store_path),
        allow_missing_layers=allow_missing_layers,
    )
    record = stored.verification()
    assert record is not None
    verdict = record.verdict
    if as_json:
        print_json(
            {
                "skill_id": stored.ref,
                "status": stored.manifest.status,
                "skill_path": str(stored.path),
                "parent": stored.manifest.parent,
                "verdict": verdict.to_dict(),
            }
        )
    else:
        colour = "green" if verdict.accepted else "red"
        console.print(
            f"[{colour}]{stored.manifest.status.upper()}[/{colour}] {escape(stored.ref)}: "
            f"held-out accuracy {_accuracy_text(verdict.to_dict())} on n={verdict.n_heldout}; "
            f"best constant answer {_share(verdict.baseline_accuracy)}"
            + (f"; reasons: {', '.join(verdict.reasons)}" if verdict.reasons else ""),
            soft_wrap=True,
        )
        console.print(f"stored at {stored.path}", soft_wrap=True, markup=False, highlight=False)
        if not verdict.accepted:
            err_console.print("what to try next:")
            for step in after_rejected_skill(verdict, file, data_path):
                err_console.print(f"  - {escape(step)}", soft_wrap=True)
    if not verdict.accepted:
        raise click.exceptions.Exit(1)


@skills.command("retire")
@click.argument("ref")
@click.option("--reason", default="retired by user", show_default=True, help="Why (recorded).")
@_STORE_OPTION
@_JSON_OPTION
def retire(ref: str, reason: str, store_path: str | None, as_json: bool) -> None:
    """Take REF out of use; it stays in the store with the reason."""
    stored = _store(store_path).retire(ref, reason)
    if as_json:
        print_json({"skill_id": stored.ref, "status": stored.manifest.status, "reason": reason})
    else:
        console.print(f"retired {escape(stored.ref)}: {escape(reason)}")


@skills.command("reverify")
@click.argument("ref", required=False)
@allow_missing_layers_option
@_STORE_OPTION
@_JSON_OPTION
def reverify(
    ref: str | None, allow_missing_layers: bool, store_path: str | None, as_json: bool
) -> None:
    """Judge REF again on its stored examples; without REF, every active and candidate version.

    A failing active version becomes rejected; rejected and retired versions only gain the verdict.
    """
    store = _store(store_path)
    if ref is not None:
        refs = [store.get(ref).ref]
    else:
        refs = [s.ref for s in store.scan().skills if s.manifest.status in ("active", "candidate")]
    options = {"allow_missing_layers": True} if allow_missing_layers else None
    outcomes = [reverify_version(store, one, sandbox_options=options) for one in refs]
    if as_json:
        print_json({"store": str(store.root), "reverified": [o.to_dict() for o in outcomes]})
        return
    if not outcomes:
        console.print(f"no active or candidate skills in {escape(str(store.root))}")
        return
    rows = []
    for outcome in outcomes:
        verdict = (
            "accepted"
            if outcome.verdict.accepted
            else "rejected: " + ", ".join(outcome.verdict.reasons)
        )
        rows.append(
            [
                outcome.ref,
                f"{outcome.old_status} -> {outcome.new_status}",
                verdict,
                _accuracy_text(outcome.to_dict()),
            ]
        )
    columns = [
        Column("skill", identifier=True),
        Column("status"),
        Column("verdict"),
        Column("held-out acc [95% CI]"),
    ]
    print_listing(columns, rows, title=f"re-verification in {store.root}")
