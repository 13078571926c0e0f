"""The creator's prompts: structure, exact quoting, bounded repair prompts, correct demos, the
portfolio's default mix."""

from __future__ import annotations

import pytest

from self_distill.sandbox import Sandbox
from self_distill.skills.creation import prompts
from self_distill.skills.creation.extraction import extract_code
from self_distill.skills.examples import LabelledExample

EXAMPLES = [
    LabelledExample("Sort: b a", "a b"),
    LabelledExample("Words:\n'q' p", "'q' p"),
]


@pytest.mark.parametrize("demo", prompts.DEMONSTRATIONS, ids=lambda d: d.name)
def test_each_demonstration_reply_solves_its_own_examples_in_the_sandbox(
    demo: prompts.Demonstration,
) -> None:
    code = extract_code(demo.reply).code
    assert code is not None
    with Sandbox() as box:
        handle = box.load(code)
        results = box.run_many(handle, "solve", [text for text, _ in demo.examples])
    assert [r.output for r in results] == [answer for _, answer in demo.examples]


def test_the_contract_forces_no_parsing_idiom_and_asks_to_abstain() -> None:
    contract = prompts.CREATE_TEMPLATE
    for idiom in ("split", "re.", "after the last", "findall", "search"):
        assert idiom not in contract
    assert 'returns ""' in contract


def test_the_default_mix_for_an_extraction_task_without_a_store() -> None:
    shown = [LabelledExample("Which email is in this message?\nFrom: a@b.com", "a@b.com")]
    names = [choice.name for choice in prompts.portfolio(shown, "exact")]
    assert names == ["demo:year", "none", "demo:total", "demo:vowels"]


def test_the_default_mix_by_answer_format_and_with_a_verified_skill_from_the_store() -> None:
    shown = [LabelledExample("Which option is right? Options: (A) x (B) y", "(A)")]
    stored = prompts.Demonstration("store:pick@1", ("choice",), (("Pick: (A) 1", "(A)"),), "x")
    names = [choice.name for choice in prompts.portfolio(shown, "choice", [stored])]
    assert names == ["demo:choice", "none", "store:pick@1", "demo:year", "demo:vowels"]
    yesno = [c.name for c in prompts.portfolio([LabelledExample("Even? 2", "yes")], "yesno")]
    assert yesno[:2] == ["demo:yesno", "none"]


def test_create_messages_without_a_demonstration_hold_only_the_task() -> None:
    messages = prompts.create_messages(EXAMPLES, None)
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "assert solve('Sort: b a') == 'a b'" in messages[1]["content"]


def test_create_messages_show_the_demo_then_the_examples_as_exact_literals() -> None:
    messages = prompts.create_messages(EXAMPLES, prompts.VOWELS_DEMO)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"] == prompts.VOWELS_DEMO.reply
    task = messages[3]["content"]
    assert "assert solve('Sort: b a') == 'a b'" in task
    assert "assert solve(\"Words:\\n'q' p\") == \"'q' p\"" in task
    assert "def solve" not in task.split("```")[1]
    for module in prompts.ALLOWED_IMPORTS:
        assert module in task


def test_long_inputs_are_cut_to_the_character_limit() -> None:
    long = LabelledExample("x" * 5000, "y")
    task = prompts.create_messages([long], max_chars=100)[-1]["content"]
    line = next(line for line in task.splitlines() if line.startswith("assert"))
    assert len(line) < 140 and "...'" in line


def test_repair_prompts_keep_only_the_latest_attempt() -> None:
    base = prompts.create_messages(EXAMPLES)
    failures = [prompts.ShownFailure(f"in {i}", f"out {i}", f"'got {i}'") for i in range(5)]
    first = prompts.repair_wrong_messages(base, "```python\nv1\n```", failures, wrong=5, total=9)
    second = prompts.repair_wrong_messages(base, "```python\nv2\n```", failures, wrong=5, total=9)
    assert len(first) == len(second) == len(base) + 2
    assert first[:-2] == base and "v1" not in str(second)
    feedback = first[-1]["content"]
    assert "wrong answers on 5 of 9 examples" in feedback
    assert feedback.count("INPUT:") == prompts.MAX_REPAIR_FAILURES
    error = prompts.repair_error_messages(base, "code", "E" * 2000, max_chars=100)[-1]["content"]
    assert len(error) < 250 and error.count("E") <= 100


def test_the_no_answer_repair_shows_the_phrasings_the_code_did_not_read() -> None:
    base = prompts.create_messages(EXAMPLES)
    unread = [prompts.ShownFailure(f"Words, please: w{i}", f"w{i}", "''") for i in range(4)]
    feedback = prompts.repair_no_answer_messages(base, "code", unread, count=4, total=9)[-1]
    assert 'no answer ("") on 4 of 9 examples' in feedback["content"]
    assert feedback["content"].count("Words, please") == prompts.MAX_REPAIR_FAILURES


def test_template_hash_is_stable_and_short() -> None:
    assert prompts.template_hash() == prompts.template_hash()
    assert len(prompts.template_hash()) == 16
