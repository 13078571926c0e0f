"""The RLM loop with scripted models: answers set by code, sub-calls, recursion, accounting."""

from __future__ import annotations

from typing import Any

from self_distill.models.base import Message
from self_distill.rlm import RlmLimits, prompts
from self_distill.rlm.engine import REPEAT_TEMPERATURE
from tests.rlm.conftest import Harness, cell


def test_the_answer_is_what_executed_code_passed_to_final(harness: Harness) -> None:
    answer = harness.run([cell("words = context.split()\nFINAL(len(words))")])
    assert answer.text == "3"
    assert answer.trajectory.answer_source == "final"
    assert answer.trajectory.stop_reason == "final"
    assert answer.trajectory.iterations == 1


def test_final_written_in_prose_is_not_an_answer(harness: Harness) -> None:
    invented = "```python\nprint(1)\n```\nOutput: 42\nFINAL(42)\nThe answer is FINAL(42)."
    limits = RlmLimits(max_iterations=2, cell_timeout_s=1.0)
    answer = harness.run([invented, invented, "41"], limits=limits)
    assert answer.trajectory.answer_source == "extraction"
    assert answer.text == "41"


def test_final_var_reads_the_named_variable(harness: Harness) -> None:
    answer = harness.run([cell("result = context.upper()\nFINAL_VAR('result')")])
    assert answer.text == "ALPHA BETA GAMMA"


def test_outputs_go_back_to_the_model_and_state_persists(harness: Harness) -> None:
    answer = harness.run([cell("n = len(context)\nn"), cell("FINAL(n * 2)")])
    assert answer.text == "32"
    assert harness.root is not None
    second_prompt = harness.root.calls[1][-1]["content"]
    assert "16" in second_prompt


def test_sub_calls_are_answered_by_the_sub_model(harness: Harness) -> None:
    code = (
        "a = llm_query('summarise: ' + context)\nb = llm_query_batched(['x', 'y'])\n"
        "FINAL(a + '|' + '|'.join(b))"
    )
    answer = harness.run([cell(code)], ["one", "two", "three"])
    assert answer.text == "one|two|three"
    assert [call.purpose for call in answer.calls] == ["rlm_root", "rlm_sub", "rlm_sub", "rlm_sub"]
    root_id = answer.calls[0].id
    assert all(call.parent_call_id == root_id and call.depth == 1 for call in answer.calls[1:])


def test_rlm_query_runs_a_child_whose_calls_hang_under_the_parent_call(harness: Harness) -> None:
    def root(messages: list[Message]) -> str:
        if messages[-1]["content"].startswith("Task: count"):
            return cell("FINAL(len(context.split()))")
        return cell("n = rlm_query('count the words', 'a b c d')\nFINAL('child said ' + n)")

    answer = harness.run(root, limits=RlmLimits(max_depth=1, cell_timeout_s=2.0))
    assert answer.text == "child said 4"
    assert answer.max_depth_reached == 1
    [parent, child] = answer.calls
    assert (child.depth, child.parent_call_id, child.purpose) == (1, parent.id, "rlm_root")
    assert answer.trajectory.children[0].answer == "4"


def test_live_events_show_calls_cells_and_the_answer(harness: Harness) -> None:
    events: list[dict[str, Any]] = []
    harness.run([cell("print(llm_query('hi'))\nFINAL(1)")], events=events)
    assert [event["kind"] for event in events] == ["root_call", "sub_call", "cell", "answer"]


def test_a_repeated_cell_is_called_out_and_the_next_turn_is_sampled_warmer(
    harness: Harness,
) -> None:
    failing = cell("hits = [l for l in context.split() if l.startswith('ERROR')]\nprint(len(hits))")
    limits = RlmLimits(max_iterations=3, cell_timeout_s=1.0)
    harness.run([failing, failing, cell("FINAL(3)")], limits=limits)
    assert harness.root is not None
    after_first, after_repeat = (call[-1]["content"] for call in harness.root.calls[1:3])
    assert prompts.REPEATED not in after_first
    assert prompts.REPEATED in after_repeat
    assert harness.root.temperatures == [0.0, 0.0, REPEAT_TEMPERATURE]


def test_a_zero_result_gets_a_nudge_and_a_real_one_does_not(harness: Harness) -> None:
    limits = RlmLimits(max_iterations=3, cell_timeout_s=1.0)
    harness.run([cell("print(0)"), cell("print('count', 7)"), cell("FINAL(7)")], limits=limits)
    assert harness.root is not None
    after_zero, after_seven = (call[-1]["content"] for call in harness.root.calls[1:3])
    assert prompts.EMPTY_RESULT in after_zero
    assert prompts.EMPTY_RESULT not in after_seven


def test_the_history_keeps_the_code_that_ran_not_the_output_the_model_invented(
    harness: Harness,
) -> None:
    invented = "```python\nprint(len(context))\n```\nOutput: 99\nFinal answer: 99"
    limits = RlmLimits(max_iterations=2, cell_timeout_s=1.0)
    harness.run([invented, cell("FINAL(16)")], limits=limits)
    assert harness.root is not None
    replayed = harness.root.calls[1][-2]
    assert replayed["role"] == "assistant"
    assert replayed["content"] == "```python\nprint(len(context))\n```"
    assert "99" not in harness.root.calls[1][-1]["content"]


def test_a_first_zero_final_is_held_back_and_a_confirmed_one_is_the_answer(
    harness: Harness,
) -> None:
    limits = RlmLimits(max_iterations=3, cell_timeout_s=1.0)
    answer = harness.run([cell("FINAL(0)"), cell("FINAL(0)")], limits=limits)
    assert answer.text == "0"
    assert answer.trajectory.iterations == 2
    first = answer.trajectory.steps[0].cells[0]
    assert not first.ok and "held back" in (first.error or "")


def test_a_non_empty_final_is_taken_at_once(harness: Harness) -> None:
    answer = harness.run([cell("FINAL(7)")])
    assert answer.text == "7"
    assert answer.trajectory.iterations == 1


def test_the_feedback_names_the_variables_a_cell_set(harness: Harness) -> None:
    limits = RlmLimits(max_iterations=2, cell_timeout_s=1.0)
    harness.run(
        [cell("words = context.split()\ncount = len(words)\nprint(count)"), cell("FINAL(count)")],
        limits=limits,
    )
    assert harness.root is not None
    feedback = harness.root.calls[1][-1]["content"]
    assert "words, count" in feedback and "FINAL(count)" in feedback
