"""``self-distill skills list|show|retire|reverify`` on a store built by a real creation run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from self_distill.ledger import Ledger
from self_distill.skills.creation.records import CreationBudget
from self_distill.skills.creation.run import run_creation
from self_distill.skills.store.skill_store import SkillStore
from tests.support.cli import run_cli
from tests.support.scripted_model import ScriptedFakeModel
from tests.support.word_sort_creation import SORT_SKILL_REPLY, word_sort_request

CONSTANT_SKILL = "```python\ndef solve(text: str) -> str:\n    return 'a'\n```"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store with word-sort@1 (rejected, a constant) and word-sort@2 (active)."""
    request = word_sort_request(
        CreationBudget(candidates=2), count=50, seed=8, n_shown=10, max_heldout=40
    )
    root = tmp_path / "store"
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        outcome = run_creation(
            request, ScriptedFakeModel([CONSTANT_SKILL, SORT_SKILL_REPLY]), ledger, SkillStore(root)
        )
    assert outcome.result.accepted
    return root


def skills(store: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli("skills", *args, "--store", str(store))
    return result.returncode, result.stdout, result.stderr


def test_list_json_shows_every_version_with_status_accuracy_and_tokens(store: Path) -> None:
    code, out, err = skills(store, "list", "--json")
    assert code == 0, err
    entries = {(e["id"], e["version"]): e for e in json.loads(out)["skills"]}
    assert set(entries) == {("word-sort", 1), ("word-sort", 2)}
    assert entries[("word-sort", 1)]["status"] == "rejected"
    assert entries[("word-sort", 1)]["status_reason"].startswith("not verified")
    active = entries[("word-sort", 2)]
    assert active["status"] == "active" and active["heldout_accuracy"] == 1.0
    assert active["creation_tokens"] > 0 and len(active["heldout_ci"]) == 2
    code, out, _ = skills(store, "list", "--status", "active", "--json")
    assert [e["version"] for e in json.loads(out)["skills"]] == [2]


def test_list_table_and_show(store: Path) -> None:
    code, out, err = skills(store, "list")
    assert code == 0, err
    assert "word-sort@1" in out and "word-sort@2" in out and "active" in out
    code, out, err = skills(store, "show", "word-sort", "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["manifest"]["version"] == 2 and shown["manifest"]["parent"] is None
    assert shown["verification"]["verdict"]["accepted"] is True
    assert "def solve" in shown["code"]
    code, out, _ = skills(store, "show", "word-sort@1")
    assert code == 0 and "rejected" in out and "def solve" in out


def test_retire_takes_the_skill_out_of_use(store: Path) -> None:
    code, out, err = skills(store, "retire", "word-sort@2", "--reason", "drifted", "--json")
    assert code == 0, err
    assert json.loads(out) == {"skill_id": "word-sort@2", "status": "retired", "reason": "drifted"}
    assert SkillStore(store).active() == []
    manifest = SkillStore(store).get("word-sort@2").manifest
    assert manifest.status_reason == "drifted"


def test_reverify_keeps_a_good_skill_and_demotes_a_broken_one(store: Path) -> None:
    code, out, err = skills(store, "reverify", "--json")
    assert code == 0, err
    (outcome,) = json.loads(out)["reverified"]
    assert outcome["skill_id"] == "word-sort@2" and outcome["accepted"] is True
    assert outcome["old_status"] == outcome["new_status"] == "active"

    path = SkillStore(store).get("word-sort@2").path
    (path / "skill.py").write_text("def solve(text: str) -> str:\n    return text\n")
    code, out, err = skills(store, "reverify", "word-sort@2", "--json")
    assert code == 0, err
    (outcome,) = json.loads(out)["reverified"]
    assert outcome["new_status"] == "rejected" and "low_accuracy" in outcome["reasons"]
    verification = json.loads((path / "verification.json").read_text())
    assert len(verification["history"]) == 2
    assert SkillStore(store).get("word-sort@2").manifest.status_reason.startswith("re-verified:")


def test_unknown_skill_is_a_one_line_error(store: Path) -> None:
    code, _, err = skills(store, "show", "nope")
    assert code == 1 and err.startswith("error: no skill 'nope'")
    assert len(err.strip().splitlines()) == 1


def test_empty_store_lists_nothing(tmp_path: Path) -> None:
    code, out, err = skills(tmp_path / "none", "list")
    assert code == 0, err
    assert "no skills in" in out


def test_list_and_show_survive_a_corrupt_verification_and_manifest(store: Path) -> None:
    """Issue 17.7 through the CLI: one broken file never hides the rest of the store."""
    (store / "word-sort" / "v2" / "verification.json").write_text("{broken")
    code, out, err = skills(store, "list", "--json")
    assert code == 0, err
    assert [e["version"] for e in json.loads(out)["skills"]] == [1, 2]
    (store / "word-sort" / "v1" / "manifest.json").write_text("[]")
    code, _, err = skills(store, "show", "word-sort@1")
    assert code == 1 and "v1/manifest.json: malformed manifest" in err


def test_reverify_reads_examples_with_unicode_line_separators(store: Path) -> None:
    """Issue 17.2: examples.jsonl holding U+2028 inside a string is valid JSON Lines."""
    path = store / "word-sort" / "v2" / "examples.jsonl"
    rows = [json.loads(line) for line in path.read_text().split("\n") if line]
    rows[0]["input"] = rows[0]["input"] + "\u2028"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    code, out, err = skills(store, "reverify", "word-sort@2", "--json")
    assert code == 0, err
    assert '"accepted": true' in out


CRASHING_EMAIL_SKILL = """import re


def solve(text: str) -> str:
    # The data is the text after the last ':' or newline (copied from a demonstration).
    data = re.split(r"[:\\n]", text)[-1]
    return re.search(r"[\\w.+-]+@[\\w-]+(?:\\.[\\w-]+)+", data).group(0).lower()
"""
FIXED_EMAIL_SKILL = CRASHING_EMAIL_SKILL.replace(", data)", ", text)")


def email_rows(n: int = 60) -> list[dict[str, str]]:
    """Email-extraction tasks in four layouts; in two the address is not on the last line."""
    layouts = (
        "Extract the email address from: please write to {a} today",
        "What is the sender's address?\nFrom: {a}\nSubject: invoice {i}",
        "Which email does this give?\nThanks,\nSam\n{a}",
        "Reply with the address only.\nCc: {a}\nHello team, see you at {i} pm",
    )
    rows = []
    for i in range(n):
        address = f"user{i}.x@domain{i % 7}.example.com"
        text = layouts[i % len(layouts)].format(a=address.upper() if i % 5 == 0 else address, i=i)
        rows.append({"input": text, "target": address, "family": "emails"})
    return rows


def test_skills_add_rejects_a_crashing_skill_and_keeps_its_fix_active_and_routed_to(
    tmp_path: Path,
) -> None:
    data = tmp_path / "emails.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in email_rows()))
    crashing, fixed = tmp_path / "crashing.py", tmp_path / "fixed.py"
    crashing.write_text(CRASHING_EMAIL_SKILL)
    fixed.write_text(FIXED_EMAIL_SKILL)
    store = tmp_path / "store"

    rejected = run_cli(
        "skills", "add", str(crashing), "--data", str(data), "--id", "email", "--store", str(store)
    )
    assert rejected.returncode == 1
    assert "REJECTED email@1" in rejected.stdout and "crash" in rejected.stdout
    assert "what to try next" in rejected.stderr and "self-distill verify" in rejected.stderr

    accepted = run_cli(
        "skills",
        "add",
        str(fixed),
        "--data",
        str(data),
        "--id",
        "email",
        "--parent",
        "email@1",
        "--store",
        str(store),
        "--json",
    )
    assert accepted.returncode == 0, accepted.stderr
    payload = json.loads(accepted.stdout)
    assert payload["skill_id"] == "email@2" and payload["status"] == "active"
    assert payload["parent"] == "email@1" and payload["verdict"]["heldout_accuracy"] == 1.0
    assert payload["verdict"]["n_shown"] == 16 and payload["verdict"]["n_heldout"] == 44

    skills_store = SkillStore(store)
    assert skills_store.get("email@1").manifest.status == "rejected"
    routed = skills_store.get("email")
    assert routed.ref == "email@2" and routed.manifest.creator_model == "hand-written"
    assert routed.manifest.creation_tokens == 0
    answer = run_cli(
        "skills",
        "run",
        "email",
        "--input",
        "Who sent it?\nFrom: Ann@Shop.io\nSubject: hi",
        "--store",
        str(store),
    )
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip() == "ann@shop.io"
    failing = run_cli(
        "skills", "run", "email@1", "--input", "no address\nhere", "--store", str(store)
    )
    assert failing.returncode == 1 and "skill failed" in failing.stderr


def test_skills_add_judges_on_the_split_create_uses(tmp_path: Path) -> None:
    """The same data and seed give `skills add` the held-out examples a creation would get."""
    from self_distill.api import add_skill
    from self_distill.skills.examples import load_skill_data

    data = tmp_path / "emails.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in email_rows()))
    stored = add_skill(FIXED_EMAIL_SKILL, data, seed=3, store=tmp_path / "store")
    split = load_skill_data(data, n_shown=16, max_heldout=200, seed=3)
    kept = [(e.input, s) for e, s in stored.examples()]
    assert kept == [(e.input, s) for e, s in split.with_splits()]
    assert stored.manifest.id == "emails" and stored.manifest.parent is None
