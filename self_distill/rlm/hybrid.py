"""Judge a hybrid candidate: lifted code whose ``llm_query`` calls go to a local model.

The code runs in the sandbox like any skill, with ``llm_query`` and ``llm_query_batched`` as host
functions answered by ``sub`` (purpose ``rlm_sub``, recorded in the ledger). It is scored on the
held-out examples with the data's scorer and the same accuracy bar as the verifier (Wilson 95%
lower bound); its tokens per answer are counted, since, unlike a plain skill, it is not free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from self_distill.errors import CodeRejectedError, ModelError
from self_distill.ledger import RecordedModel
from self_distill.models.base import Message
from self_distill.rlm.window import ModelWindow
from self_distill.sandbox import HostFunctionError, Sandbox
from self_distill.skills.contract import ENTRY_POINT
from self_distill.skills.examples import Labelled
from self_distill.skills.verification.config import VerifierConfig
from self_distill.stats import wilson_interval
from self_distill.tasks import scorer_for

HYBRID_FUNCTIONS = ("llm_query", "llm_query_batched")


@dataclass(frozen=True)
class HybridVerdict:
    """Held-out accuracy with its interval, whether it clears the bar, and tokens per answer."""

    accepted: bool
    n: int
    accuracy: float
    ci95: tuple[float, float]
    tokens: int
    tokens_per_answer: float
    sub_calls: int
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def judge_hybrid(
    code: str,
    heldout: Sequence[Labelled],
    sub: RecordedModel,
    window: ModelWindow,
    *,
    answer_format: str = "exact",
    max_tokens: int = 256,
    config: VerifierConfig | None = None,
    sandbox: Sandbox | None = None,
) -> HybridVerdict:
    """Run ``code`` on every held-out input with a model behind its sub-calls; score it."""
    config = config or VerifierConfig()
    usage = {"tokens": 0, "calls": 0}

    def query(prompt: Any) -> str:
        if type(prompt) is not str:
            raise HostFunctionError("llm_query: the prompt must be a str")
        messages: list[Message] = [{"role": "user", "content": prompt}]
        if not window.fits(messages, max_tokens):
            raise HostFunctionError(f"llm_query refused: the prompt exceeds {window.tokens} tokens")
        try:
            completion = sub.complete(messages, purpose="rlm_sub", max_tokens=max_tokens, depth=1)
        except ModelError as error:
            raise HostFunctionError(f"llm_query failed: {error}") from None
        usage["tokens"] += completion.input_tokens + completion.output_tokens
        usage["calls"] += 1
        return completion.text

    def answer(function: str, args: list[Any]) -> Any:
        if function == "llm_query" and len(args) == 1:
            return query(args[0])
        if function == "llm_query_batched" and len(args) == 1 and type(args[0]) is list:
            return [query(prompt) for prompt in args[0]]
        raise HostFunctionError(f"{function}: wrong arguments")

    box = sandbox or Sandbox(timeout_s=config.call_timeout_s)
    try:
        try:
            handle = box.load(code, host_functions=HYBRID_FUNCTIONS)
        except CodeRejectedError as error:
            return HybridVerdict(False, len(heldout), 0.0, (0.0, 0.0), 0, 0.0, 0, str(error))
        results = box.run_until_timeout(
            handle, ENTRY_POINT, [example.input for example in heldout], answer
        )
    finally:
        if sandbox is None:
            box.close()
    scorer = scorer_for(answer_format)
    correct = sum(
        scorer(str(result.output), example.target) if result.ok else 0.0
        for result, example in zip(results, heldout, strict=True)
    )
    n = len(heldout)
    interval = wilson_interval(correct, n)
    return HybridVerdict(
        accepted=interval[0] >= config.min_accuracy_lower_bound,
        n=n,
        accuracy=correct / n if n else 0.0,
        ci95=interval,
        tokens=usage["tokens"],
        tokens_per_answer=usage["tokens"] / n if n else 0.0,
        sub_calls=usage["calls"],
    )
