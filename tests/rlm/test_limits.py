"""The host's limits hold against a model that loops, recurses, floods or pokes at its budget."""

from __future__ import annotations

from self_distill.models.base import Message
from self_distill.rlm import RlmLimits
from tests.rlm.conftest import Harness, cell


def test_a_model_that_never_answers_gets_its_iterations_and_one_extraction(
    harness: Harness,
) -> None:
    limits = RlmLimits(max_iterations=3, cell_timeout_s=1.0)
    answer = harness.run([cell("print('still looking')")], limits=limits)
    assert answer.trajectory.iterations == 3
    assert answer.trajectory.stop_reason == "max_iterations"
    assert len(answer.calls) == 4 and answer.trajectory.answer_source == "extraction"


def test_recursion_stops_at_the_depth_limit(harness: Harness) -> None:
    dive = cell(
        "try:\n    FINAL('got ' + rlm_query('go deeper', context))\n"
        "except RuntimeError as error:\n    FINAL('refused: ' + str(error))"
    )
    answer = harness.run([dive], limits=RlmLimits(max_depth=2, cell_timeout_s=5.0))
    assert answer.max_depth_reached == 2
    assert max(call.depth for call in answer.calls) == 2
    deepest = answer.trajectory.children[0].children[0]
    assert deepest.answer is not None and deepest.answer.startswith("refused: rlm_query refused")
    assert answer.text.startswith("got got refused")


def test_depth_zero_allows_no_child(harness: Harness) -> None:
    answer = harness.run(
        [cell("FINAL(rlm_query('x', 'y'))")], limits=RlmLimits(max_depth=0, max_iterations=1)
    )
    assert answer.trajectory.children == []
    assert "depth limit" in (answer.trajectory.steps[0].cells[0].error or "")


def test_a_sub_call_flood_is_cut_at_the_sub_call_limit(harness: Harness) -> None:
    flood = cell(
        "ok = 0\nfor i in range(1000):\n    try:\n        llm_query('q')\n        ok += 1\n"
        "    except RuntimeError:\n        pass\nFINAL(ok)"
    )
    answer = harness.run([flood], limits=RlmLimits(max_sub_calls=5, cell_timeout_s=5.0))
    assert answer.text == "5"
    assert sum(call.purpose == "rlm_sub" for call in answer.calls) == 5


def test_batched_calls_fail_per_item(harness: Harness) -> None:
    code = "out = llm_query_batched(['ok', 'x ' * 5000, 42])\nFINAL(out)"
    answer = harness.run([cell(code)], ["fine"], sub_window=500)
    assert answer.text is not None
    first, second, third = __import__("json").loads(answer.text)
    assert first == "fine"
    assert second.startswith("error:") and "window" in second
    assert third.startswith("error:") and "str" in third


def test_a_sub_prompt_over_the_window_is_refused_before_it_is_sent(harness: Harness) -> None:
    code = "try:\n    llm_query(context)\nexcept RuntimeError as e:\n    FINAL(str(e))"
    answer = harness.run([cell(code)], context="word " * 4000, sub_window=1000)
    assert "window is 1000 tokens" in (answer.text or "")
    assert [call.purpose for call in answer.calls] == ["rlm_root"]
    assert harness.sub is not None and harness.sub.calls == []


def test_output_floods_are_cut_before_the_model_sees_them(harness: Harness) -> None:
    limits = RlmLimits(max_iterations=2, max_output_chars=300, cell_timeout_s=2.0)
    answer = harness.run([cell("print('E' * 10 ** 6)")], limits=limits)
    shown = answer.trajectory.steps[0].cells[0].output
    assert len(shown) < 400 and "more characters cut" in shown
    assert harness.root is not None
    assert max(len(m["content"]) for m in harness.root.calls[1]) < 3000


def test_a_looping_cell_is_stopped_by_the_cell_timeout(harness: Harness) -> None:
    limits = RlmLimits(max_iterations=1, cell_timeout_s=0.5)
    answer = harness.run([cell("while True:\n    pass")], limits=limits)
    assert (answer.trajectory.steps[0].cells[0].error or "").startswith("timeout")


def test_the_token_budget_holds(harness: Harness) -> None:
    limits = RlmLimits(max_tokens=2500, max_iterations=50, cell_timeout_s=1.0)
    answer = harness.run([cell("print('more ' * 200)")], limits=limits)
    assert answer.trajectory.stop_reason == "tokens"
    assert answer.tokens <= 2500


def test_the_wall_time_budget_holds(harness: Harness) -> None:
    limits = RlmLimits(max_wall_s=0.8, max_iterations=50, cell_timeout_s=0.5)
    answer = harness.run([cell("while True:\n    pass")], limits=limits)
    assert answer.trajectory.stop_reason == "wall_time"
    assert answer.trajectory.iterations <= 3


def test_the_budget_can_be_neither_read_nor_changed_from_inside(harness: Harness) -> None:
    probe = cell(
        "found = []\n"
        + "".join(
            f"try:\n    found.append(repr({name}))\nexcept Exception:\n    pass\n"
            for name in (
                "budget",
                "limits",
                "max_iterations",
                "max_depth",
                "max_tokens",
                "Budget",
                "RlmLimits",
                "engine",
                "sandbox",
                "worker",
                "host",
            )
        )
        + "max_iterations = 1000\nmax_depth = 99\nlimits = None\n"
        "for fn in [llm_query, FINAL, rlm_query]:\n"
        "    for attribute in ['__globals__', '__closure__', '__self__', 'func']:\n"
        "        try:\n            found.append(repr(getattr(fn, attribute)))\n"
        "        except Exception:\n            pass\n"
        "print(found)"
    )

    def root(messages: list[Message]) -> str:
        if messages[-1]["content"].startswith("Task: x"):
            return cell("FINAL(rlm_query('x', 'deeper'))")
        return probe if len(messages) == 2 else cell("FINAL(rlm_query('x', 'y'))")

    limits = RlmLimits(max_iterations=3, max_depth=1, cell_timeout_s=2.0)
    answer = harness.run(root, limits=limits)
    assert answer.trajectory.steps[0].cells[0].output == "[]\n"
    assert answer.max_depth_reached == 1
    assert answer.trajectory.iterations == 2
    assert max(step.iteration for child in answer.trajectory.children for step in child.steps) < 3


def test_a_child_gets_only_what_its_parent_has_left(harness: Harness) -> None:
    def root(messages: list[Message]) -> str:
        if messages[-1]["content"].startswith("Task: child"):
            return cell(
                "try:\n    llm_query('one more')\n    FINAL('child got a call')\n"
                "except RuntimeError as error:\n    FINAL('child refused: ' + str(error))"
            )
        return cell("llm_query('a')\nllm_query('b')\nFINAL(rlm_query('child', 'text'))")

    limits = RlmLimits(max_sub_calls=3, max_depth=1, cell_timeout_s=2.0)
    answer = harness.run(root, limits=limits)
    assert answer.text == "child refused: llm_query refused: the run's sub-call limit is spent"
    assert sum(call.purpose == "rlm_sub" for call in answer.calls) == 2
