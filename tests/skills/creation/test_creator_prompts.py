"""The creator's prompts: structure, exact quoting, bounded repair prompts, a correct demo."""

from __future__ import annotations

from self_distill.sandbox import Sandbox
from self_distill.skills.creation import prompts
from self_distill.skills.creation.extraction import extract_code
from self_distill.skills.examples import LabelledExample

EXAMPLES = [
    LabelledExample("Sort: b a", "a b"),
    LabelledExample("Words:\n'q' p", "'q' p"),
]


def test_the_demonstration_reply_solves_its_own_examples_in_the_sandbox() -> None:
    code = extract_code(prompts.VOWELS_DEMO_REPLY).code
    assert code is not None
    examples = prompts.VOWELS_DEMO_EXAMPLES
    with Sandbox() as box:
        handle = box.load(code)
        results = box.run_many(handle, "solve", [text for text, _ in examples])
    assert [r.output for r in results] == [answer for _, answer in examples]


def test_create_messages_show_the_demo_then_the_examples_as_exact_literals() -> None:
    messages = prompts.create_messages(EXAMPLES)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"] == prompts.VOWELS_DEMO_REPLY
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


def test_template_hash_is_stable_and_short() -> None:
    assert prompts.template_hash() == prompts.template_hash()
    assert len(prompts.template_hash()) == 16
