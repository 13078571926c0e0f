"""The versioned skill store: layout, versions and parents, statuses, atomicity, bad files."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from self_distill import __version__
from self_distill.errors import SkillError
from self_distill.skills.examples import LabelledExample
from self_distill.skills.store.manifest import SkillManifest, slugify
from self_distill.skills.store.skill_store import SkillStore
from self_distill.skills.verification.record import VerificationRecord
from self_distill.skills.verification.verdict import CheckResult, Verdict

CODE = "def solve(text: str) -> str:\n    return text\n"


def record(accepted: bool, verified_at: str = "t") -> VerificationRecord:
    """A verification record whose verdict passed (or failed) one check."""
    check = CheckResult.judged("low_accuracy", not accepted, accuracy=1.0 if accepted else 0.5)
    verdict = Verdict({"low_accuracy": check}, 0.9, (0.8, 0.95), 0.5, n_shown=2, n_heldout=20)
    return VerificationRecord(verdict, "exact", verified_at)


def draft(status: str = "active", skill_id: str = "word-sort", **extra: object) -> SkillManifest:
    values: dict[str, object] = {
        "id": skill_id,
        "version": 1,
        "status": status,
        "creator_model": "scripted:fake",
        "prompt_version": "create-v1",
        "prompt_hash": "abc123",
        "creation_tokens": 1234,
        "created_at": "",
        "updated_at": "",
        "family": "word_sort",
        **extra,
    }
    return SkillManifest(**values)  # type: ignore[arg-type]


def test_add_writes_one_folder_with_code_manifest_verification_examples_and_index(
    tmp_path: Path,
) -> None:
    store = SkillStore(tmp_path / "store")
    examples = [
        (LabelledExample("b a", "a b"), "shown"),
        (LabelledExample("d c", "c d"), "heldout"),
    ]
    stored = store.add(draft(), CODE, verification=record(True), examples=examples)

    assert stored.path == tmp_path / "store" / "word-sort" / "v1"
    assert (stored.path / "skill.py").read_text() == CODE
    manifest = json.loads((stored.path / "manifest.json").read_text())
    assert manifest["id"] == "word-sort" and manifest["version"] == 1
    assert manifest["status"] == "active" and manifest["parent"] is None
    assert manifest["creation_tokens"] == 1234 and manifest["prompt_hash"] == "abc123"
    assert len(manifest["code_sha256"]) == 64 and manifest["created_at"]
    assert stored.verification() == record(True)
    assert manifest["format_version"] == 2 and manifest["package_version"] == __version__
    assert stored.examples() == examples
    index = json.loads((tmp_path / "store" / "index.json").read_text())
    assert [(e["id"], e["version"], e["status"]) for e in index["skills"]] == [
        ("word-sort", 1, "active")
    ]
    assert not [p for p in stored.path.parent.iterdir() if p.name.startswith(".")]


def test_a_version_has_the_parent_it_was_made_from_and_a_new_active_one_retires_the_old(
    tmp_path: Path,
) -> None:
    store = SkillStore(tmp_path)
    first = store.add(draft(), CODE)
    rejected = store.add(draft("rejected", status_reason="rejected: low_accuracy"), CODE)
    second = store.add(draft(), CODE + "# v2\n", parent="word-sort@2")

    assert first.manifest.parent is None
    assert rejected.manifest.version == 2 and rejected.manifest.parent is None
    assert second.manifest.version == 3 and second.manifest.parent == "word-sort@2"
    statuses = {s.ref: s.manifest.status for s in store.versions("word-sort")}
    assert statuses == {
        "word-sort@1": "retired",
        "word-sort@2": "rejected",
        "word-sort@3": "active",
    }
    assert store.get("word-sort@1").manifest.status_reason == "superseded by word-sort@3"
    assert store.get("word-sort@2").manifest.status_reason == "rejected: low_accuracy"
    assert store.get("word-sort").ref == "word-sort@3"
    assert [s.ref for s in store.active()] == ["word-sort@3"]
    assert first.ref == "word-sort@1"


def test_get_without_active_version_returns_newest_and_bad_refs_say_what_to_do(
    tmp_path: Path,
) -> None:
    store = SkillStore(tmp_path)
    store.add(draft("rejected"), CODE)
    store.add(draft("rejected"), CODE)
    assert store.get("word-sort").ref == "word-sort@2"
    with pytest.raises(SkillError, match="no skill 'other'"):
        store.get("other")
    with pytest.raises(SkillError, match=r"no version 7 of 'word-sort'.*word-sort@1, word-sort@2"):
        store.get("word-sort@7")
    with pytest.raises(SkillError, match="ID@VERSION"):
        store.get("word-sort@x")
    with pytest.raises(SkillError, match="invalid skill id"):
        store.get("../etc")


def test_retire_and_reactivate_update_manifest_and_index(tmp_path: Path) -> None:
    store = SkillStore(tmp_path)
    store.add(draft(), CODE)
    store.add(draft(), CODE)
    retired = store.retire("word-sort@2", "drifted")
    assert retired.manifest.status == "retired" and retired.manifest.status_reason == "drifted"
    store.set_status("word-sort@1", "active", "restored by user")
    entries = {(e["id"], e["version"]): e["status"] for e in store.index()}
    assert entries == {("word-sort", 1): "active", ("word-sort", 2): "retired"}


def test_record_verification_keeps_the_earlier_verdicts(tmp_path: Path) -> None:
    store = SkillStore(tmp_path)
    store.add(draft(), CODE, verification=record(True, "t1"))
    store.record_verification("word-sort@1", record(False, "t2"))
    store.record_verification("word-sort@1", record(True, "t3"))
    latest = store.get("word-sort@1").verification()
    assert latest is not None and latest.verdict.accepted
    assert latest.verified_at == "t3"
    assert [h["verified_at"] for h in latest.history] == ["t1", "t2"]
    assert [h["verdict"]["accepted"] for h in latest.history] == [True, False]


def test_a_failed_write_leaves_no_version_and_no_staging_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SkillStore(tmp_path)
    store.add(draft(), CODE)

    def refuse(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "rename", refuse)
    with pytest.raises(SkillError, match="nothing was stored"):
        store.add(draft(), CODE)
    monkeypatch.undo()
    assert sorted(p.name for p in (tmp_path / "word-sort").iterdir()) == ["v1"]
    assert store.get("word-sort").manifest.status == "active"


def test_broken_version_folder_is_reported_and_the_rest_still_works(tmp_path: Path) -> None:
    store = SkillStore(tmp_path)
    store.add(draft(), CODE)
    store.add(draft(skill_id="dates"), CODE)
    (tmp_path / "dates" / "v1" / "manifest.json").write_text("{not json")

    scan = store.scan()
    assert [s.ref for s in scan.skills] == ["word-sort@1"]
    assert len(scan.problems) == 1 and "dates/v1/manifest.json" in scan.problems[0]
    store.rebuild_index()
    index = json.loads((tmp_path / "index.json").read_text())
    assert [e["id"] for e in index["skills"]] == ["word-sort"]
    assert "not valid JSON" in index["problems"][0]


def test_manifest_missing_fields_or_wrong_folder_is_a_clear_error(tmp_path: Path) -> None:
    store = SkillStore(tmp_path)
    stored = store.add(draft(), CODE)
    path = stored.path / "manifest.json"
    values = json.loads(path.read_text())
    del values["prompt_hash"]
    path.write_text(json.dumps(values))
    assert "missing ['prompt_hash']" in store.scan().problems[0]
    values["prompt_hash"] = "x"
    values["version"] = 5
    path.write_text(json.dumps(values))
    assert "manifest says word-sort@5 but the folder is word-sort/v1" in store.scan().problems[0]


def test_unreadable_index_is_rebuilt_from_manifests(tmp_path: Path) -> None:
    store = SkillStore(tmp_path)
    store.add(draft(), CODE)
    (tmp_path / "index.json").write_text("garbage")
    assert [e["id"] for e in store.index()] == ["word-sort"]
    assert json.loads((tmp_path / "index.json").read_text())["skills"][0]["version"] == 1


def test_empty_or_missing_store_lists_nothing(tmp_path: Path) -> None:
    store = SkillStore(tmp_path / "absent")
    assert store.index() == []
    assert store.scan().skills == ()
    assert not (tmp_path / "absent").exists()


def test_ids_are_validated_and_names_slugified() -> None:
    assert slugify("bbh:word_sorting") == "bbh-word_sorting"
    assert slugify("  Meeting Rooms!! ") == "meeting-rooms"
    with pytest.raises(SkillError, match="invalid skill id"):
        draft(skill_id="Bad Id")
    with pytest.raises(SkillError, match="cannot derive"):
        slugify("???")
    with pytest.raises(SkillError, match="unknown skill status"):
        draft(status="done")


def _add_many(root: str, count: int) -> None:
    store = SkillStore(root)
    for _ in range(count):
        store.add(draft("rejected"), CODE)


def test_concurrent_writers_get_distinct_versions(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_add_many, args=(str(tmp_path), 5)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    versions = [s.manifest.version for s in SkillStore(tmp_path).versions("word-sort")]
    assert versions == list(range(1, 21))
    index = json.loads((tmp_path / "index.json").read_text())
    assert len(index["skills"]) == 20


def test_a_store_written_before_format_versions_still_loads(tmp_path: Path) -> None:
    """Manifests and verification records without ``format_version`` (written before it
    existed) are format 1 and load; the next status change writes the current format."""
    store = SkillStore(tmp_path)
    stored = store.add(draft(), CODE, verification=record(True, "t1"))
    manifest = json.loads((stored.path / "manifest.json").read_text())
    del manifest["format_version"], manifest["package_version"]
    (stored.path / "manifest.json").write_text(json.dumps(manifest))
    verification = json.loads((stored.path / "verification.json").read_text())
    del verification["format_version"], verification["package_version"]
    (stored.path / "verification.json").write_text(json.dumps(verification))

    old = store.get("word-sort@1")
    assert old.manifest.format_version == 1 and old.manifest.package_version is None
    loaded = old.verification()
    assert loaded is not None and loaded.format_version == 1 and loaded.verdict.accepted
    assert store.index()[0]["heldout_accuracy"] == 0.9
    retired = store.retire("word-sort@1")
    assert retired.manifest.format_version == 2
    rewritten = json.loads((stored.path / "manifest.json").read_text())
    assert rewritten["format_version"] == 2


def test_records_from_a_newer_format_are_refused_with_the_fix(tmp_path: Path) -> None:
    store = SkillStore(tmp_path)
    stored = store.add(draft(), CODE, verification=record(True))
    verification = json.loads((stored.path / "verification.json").read_text())
    (stored.path / "verification.json").write_text(
        json.dumps({**verification, "format_version": 99})
    )
    with pytest.raises(SkillError, match="upgrade self-distill"):
        stored.verification()
    entry = store.rebuild_index()[0]
    assert entry["heldout_accuracy"] is None and "format 99" in entry["problem"]


def test_examples_with_unicode_line_separators_round_trip(tmp_path: Path) -> None:
    """U+2028, U+2029 and U+0085 are legal inside JSON strings; only \\n ends a JSONL line."""
    examples = [(LabelledExample("a\u2028b\u2029c\x85d", "x\u2028y"), "shown")]
    stored = SkillStore(tmp_path).add(draft(), CODE, examples=examples)
    assert stored.examples() == examples


def test_a_corrupt_newest_version_keeps_its_number_and_is_named(tmp_path: Path) -> None:
    """Issue 17.7: the next version used to collide with a corrupt one ("Directory not empty")
    and `show` said "no version"; now the corrupt folder keeps its number and says what broke."""
    store = SkillStore(tmp_path)
    store.add(draft(), CODE)
    broken = store.add(draft(), CODE)
    (broken.path / "manifest.json").write_text("{ not json")

    third = store.add(draft(), CODE + "# v3\n")
    assert third.ref == "word-sort@3"
    with pytest.raises(SkillError, match=r"manifest\.json: not valid JSON"):
        store.get("word-sort@2")
    assert [s.ref for s in store.versions("word-sort")] == ["word-sort@1", "word-sort@3"]
    scan = store.scan()
    assert len(scan.problems) == 1 and "v2" in scan.problems[0]


def test_a_corrupt_verification_record_does_not_fail_the_index(tmp_path: Path) -> None:
    store = SkillStore(tmp_path)
    stored = store.add(draft(), CODE, verification=record(True))
    store.add(draft("rejected", skill_id="other"), CODE, verification=record(False))
    (stored.path / "verification.json").write_text('{"verdict": 1}')
    entries = {entry["id"]: entry for entry in store.rebuild_index()}
    assert set(entries) == {"word-sort", "other"}
    assert "malformed verification record" in entries["word-sort"]["problem"]
    assert entries["other"]["problem"] is None and entries["other"]["heldout_accuracy"] == 0.9


@pytest.mark.parametrize(
    ("field", "value"),
    [("version", "1"), ("creation_tokens", True), ("parent", 3), ("creation", []), ("id", None)],
)
def test_manifest_field_types_are_checked(tmp_path: Path, field: str, value: object) -> None:
    stored = SkillStore(tmp_path).add(draft(), CODE)
    manifest = json.loads((stored.path / "manifest.json").read_text())
    with pytest.raises(SkillError, match=f"malformed manifest \\({field} is"):
        SkillManifest.from_dict({**manifest, field: value}, "m.json")
