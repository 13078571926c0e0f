"""Accounting: a run's tokens in the ledger equal the sum of its calls' usage, nested included."""

from __future__ import annotations

from self_distill.models.base import Message
from self_distill.rlm import RlmLimits
from tests.rlm.conftest import Harness, cell


def test_ledger_tokens_equal_the_sum_of_every_call_batched_and_nested(harness: Harness) -> None:
    def root(messages: list[Message]) -> str:
        if messages[-1]["content"].startswith("Task: inner"):
            return cell("parts = llm_query_batched(['p1', 'p2 p2', 'p3 p3 p3'])\nFINAL(len(parts))")
        if len([m for m in messages if m["role"] == "assistant"]) == 0:
            return cell("x = llm_query('first question')\nprint(x)")
        return cell(
            "y = rlm_query('inner task', context)\nz = llm_query_batched(['a', 'b'])\nFINAL(y)"
        )

    sub_replies = [" ".join(["w"] * n) for n in (1, 6, 11, 17, 2, 3)]
    answer = harness.run(root, sub_replies, limits=RlmLimits(max_depth=1, cell_timeout_s=2.0))
    assert answer.text == "3"
    purposes = [call.purpose for call in answer.calls]
    assert purposes.count("rlm_sub") == 6 and purposes.count("rlm_root") == 3

    ledger_calls = harness.ledger.call_tree(harness.run_id)
    assert [c["id"] for c in ledger_calls] == [call.id for call in answer.calls]
    ledger_tokens = sum(c["input_tokens"] + c["output_tokens"] for c in ledger_calls)
    assert ledger_tokens == answer.tokens == sum(call.tokens for call in answer.calls)
    assert answer.tokens == answer.root_tokens + answer.sub_tokens

    assert harness.root is not None and harness.sub is not None
    scripted = [*harness.root.calls, *harness.sub.calls]
    assert len(scripted) == len(answer.calls)
    each = {(c["id"]): c["input_tokens"] + c["output_tokens"] for c in ledger_calls}
    batched = [c for c in answer.calls if c.purpose == "rlm_sub" and c.depth == 2]
    assert len(batched) == 3 and len({each[c.id] for c in batched}) == 3, "charged per item"
    usage = {row.purpose: row for row in harness.ledger.usage(harness.run_id)}
    assert sum(r.input_tokens + r.output_tokens for r in usage.values()) == answer.tokens


def test_every_call_carries_its_parent_and_depth(harness: Harness) -> None:
    def root(messages: list[Message]) -> str:
        if messages[-1]["content"].startswith("Task: inner"):
            return cell("FINAL(llm_query('deep'))")
        return cell("FINAL(rlm_query('inner', 'text'))")

    answer = harness.run(root, ["deep answer"], limits=RlmLimits(max_depth=1, cell_timeout_s=2.0))
    rows = {c["id"]: c for c in harness.ledger.call_tree(harness.run_id)}
    top, child, sub = answer.calls
    assert rows[top.id]["parent_call_id"] is None and rows[top.id]["depth"] == 0
    assert rows[child.id]["parent_call_id"] == top.id and rows[child.id]["depth"] == 1
    assert rows[sub.id]["parent_call_id"] == child.id and rows[sub.id]["depth"] == 2
    assert answer.text == "deep answer"
