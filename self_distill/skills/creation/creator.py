"""The skill creator: a model writes candidate code, the sandbox tests it, failures are repaired.

For one cluster's *shown* examples the creator

1. prompts the model with the examples, the skill contract and the allowed imports, spreading
   candidates over a portfolio of prompts (:func:`prompts.portfolio`: demonstrations of
   different shapes, verified skills from the store, no demonstration), so that sampling more
   buys different programs rather than copies of one demonstration;
2. samples up to ``candidates`` replies with distinct seeds (each prompt's first at a low
   temperature);
3. extracts the code from each reply (a prose-only reply is a recorded failure) and adds the
   imports of allowed modules it uses but forgot (:mod:`missing_imports`);
4. runs the code in the sandbox on every shown example; a candidate that fails gets up to
   ``repair_rounds`` repair prompts made for its failure kind: the error it raised, the
   phrasings it answered nothing for, or up to three wrong answers;
5. hands every candidate that passes all shown examples to ``verify`` (which alone knows the
   held-out examples) until one is accepted; when none is, the candidates that abstain are
   chained (:mod:`composition`) into one more candidate, judged the same way; when nothing
   passes, the best one is verified so the rejection and its reasons are on record.

Every model call goes through :class:`~self_distill.ledger.RecordedModel` with purpose ``create``
or ``repair``; the creation cost is the sum of all their tokens. Sampling stops early once a skill
is accepted or the token budget is spent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Literal

from self_distill.errors import (
    ConfigError,
    ModelAuthError,
    ModelError,
    ModelFileError,
    ModelUnavailableError,
    UnknownModelSpecError,
)
from self_distill.ledger import RecordedModel
from self_distill.models.base import Message
from self_distill.skills.contract import ENTRY_POINT
from self_distill.skills.creation import composition, prompts
from self_distill.skills.creation.extraction import extract_code
from self_distill.skills.creation.missing_imports import add_missing_imports
from self_distill.skills.creation.records import (
    Attempt,
    CandidateRecord,
    CreationBudget,
    CreationResult,
    Outcome,
    ShownRun,
    ShownRunner,
)
from self_distill.skills.examples import Labelled
from self_distill.skills.verification.checks import score_output
from self_distill.skills.verification.verdict import Verdict
from self_distill.tasks import scorer_for

FATAL_MODEL_ERRORS = (ModelUnavailableError, ModelAuthError, UnknownModelSpecError, ModelFileError)
"""Model errors that no retry with another seed can cure; they end the creation at once."""

INPUT_MARGIN = 1.25
"""How much denser than any call so far a prompt's tokens may be, for the budget check."""

Verify = Callable[[str], Verdict]
Progress = Callable[[int, Attempt], None]
"""Called with the candidate index after every attempt (for progress displays)."""


class SkillCreator:
    """Writes a skill for one cluster with ``model``, testing candidates with ``runner``."""

    def __init__(
        self,
        model: RecordedModel,
        runner: ShownRunner,
        budget: CreationBudget | None = None,
        answer_format: str = "exact",
        progress: Progress | None = None,
        *,
        demonstrations: Sequence[prompts.Demonstration] = (),
        compose: bool = True,
    ) -> None:
        """``demonstrations`` are verified skills from the store offered to the portfolio;
        ``compose`` chains abstaining candidates when none is accepted alone (0 tokens)."""
        self.model = model
        self.runner = runner
        self.budget = budget or CreationBudget()
        self.answer_format = answer_format
        self.scorer = scorer_for(answer_format)
        self.progress = progress
        self.demonstrations = tuple(demonstrations)
        self.compose = compose
        self._spent = 0
        self._tokens_per_char = 0.0

    def create(
        self, shown: Sequence[Labelled], verify: Verify, seeded: Sequence[str] = ()
    ) -> CreationResult:
        """Create a skill from ``shown`` examples; ``verify(code)`` judges it on held-out data.

        ``seeded`` is candidate code from another source (for example RLM trajectories lifted
        by :mod:`self_distill.rlm.lifting`): each is tried first, like a model's candidate but
        at 0 tokens, and an accepted one ends the creation before any model call.
        Identical code from two candidates is verified once. Raises the model's error when it
        cannot be reached or refuses the credentials; any other failure (no code, bad code, a
        failed call) is recorded and the next candidate tried.
        """
        if not shown:
            raise ConfigError("skill creation needs at least one shown example")
        self._spent, self._tokens_per_char = 0, 0.0
        verdicts: dict[str, Verdict] = {}

        def judge(code: str) -> Verdict:
            if code not in verdicts:
                verdicts[code] = verify(code)
            return verdicts[code]

        in_prompt = shown[: self.budget.prompt_examples]
        choices = prompts.portfolio(in_prompt, self.answer_format, self.demonstrations)
        records: list[CandidateRecord] = []
        for code in seeded:
            record = self._seeded(len(records), code, shown)
            if record.passed_shown:
                record = replace(record, verdict=judge(code))
            records.append(record)
            if record.verdict is not None and record.verdict.accepted:
                return self._result(records, record.index, "accepted")
        stop_reason = "candidates_exhausted"
        for index in range(self.budget.candidates):
            choice = choices[index % len(choices)]
            base = prompts.create_messages(in_prompt, choice.demonstration)
            if self._budget_spent(base):
                stop_reason = "token_budget"
                break
            repeat = index // len(choices)
            record = self._candidate(index, base, shown, choice.name, repeat, len(records))
            if record.passed_shown and record.best_code is not None:
                record = replace(record, verdict=judge(record.best_code))
            records.append(record)
            if record.verdict is not None and record.verdict.accepted:
                return self._result(records, record.index, "accepted")
        chain = self._chain(records, shown) if self.compose else None
        if chain is not None:
            if chain.passed_shown:
                chain = replace(chain, verdict=judge(chain.attempts[0].code or ""))
            records.append(chain)
            if chain.verdict is not None and chain.verdict.accepted:
                return self._result(records, chain.index, "accepted")
        verified = [r for r in records if r.verdict is not None]
        if verified:
            chosen = max(verified, key=_heldout_accuracy)
            return self._result(records, chosen.index, stop_reason)
        runnable = [(r, r.best_code) for r in records if r.best_code is not None]
        if not runnable:
            return self._result(records, None, stop_reason)
        record, code = max(runnable, key=lambda pair: pair[0].best_shown_correct)
        records[record.index] = replace(record, verdict=judge(code))
        return self._result(records, record.index, stop_reason)

    def _result(
        self, records: list[CandidateRecord], chosen: int | None, stop_reason: str
    ) -> CreationResult:
        return CreationResult(tuple(records), chosen, stop_reason, self.budget)

    def _budget_spent(self, messages: Sequence[Message]) -> bool:
        """True when a call with ``messages`` could overrun the budget: its input priced at the
        most tokens per character any call has cost, plus :data:`INPUT_MARGIN` (code in a repair
        prompt tokenizes denser than prose: exp003 saw 0.25 and 0.29 tokens per character in
        one creation), its output at the per-call limit. The budget is meant as a cap, not a
        target; the first call always runs."""
        limit = self.budget.token_budget
        if limit is None or not self._tokens_per_char:
            return False
        chars = sum(len(message["content"]) for message in messages)
        estimate = chars * self._tokens_per_char * INPUT_MARGIN + self.budget.max_tokens_per_call
        return self._spent + estimate > limit

    def _seeded(
        self,
        position: int,
        code: str,
        shown: Sequence[Labelled],
        prompt: str = "seeded",
        parts: tuple[int, ...] = (),
    ) -> CandidateRecord:
        """A candidate from another source (seeded code, a chain of candidates), run on the
        shown examples like a model's, at 0 tokens."""
        run = self.runner.run(code, [example.input for example in shown])
        attempt = Attempt(
            purpose="create",
            round=0,
            seed=-1,
            temperature=0.0,
            extraction=prompt,
            shown_total=len(shown),
            code=code,
            **self._shown_figures(run, shown),
        )
        return CandidateRecord(position, (attempt,), prompt=prompt, components=parts)

    def _chain(
        self, records: Sequence[CandidateRecord], shown: Sequence[Labelled]
    ) -> CandidateRecord | None:
        """The abstaining candidates chained into one (None when fewer than two are useful)."""
        parts = composition.components(records)
        if len(parts) < 2:
            return None
        code = composition.compose([part.best_code or "" for part in parts])
        indices = tuple(part.index for part in parts)
        return self._seeded(len(records), code, shown, "composition", indices)

    def _candidate(
        self,
        index: int,
        base: list[Message],
        shown: Sequence[Labelled],
        prompt: str,
        repeat: int,
        position: int,
    ) -> CandidateRecord:
        attempts: list[Attempt] = []
        for round_ in range(self.budget.repair_rounds + 1):
            if attempts:
                last = attempts[-1]
                if last.outcome in ("passed", "model_error"):
                    break
                messages, purpose = self._repair_messages(base, last), "repair"
                if self._budget_spent(messages):
                    break
            else:
                messages, purpose = base, "create"
            attempt = self._attempt(messages, purpose, index, round_, repeat, shown)
            attempts.append(attempt)
            if self.progress is not None:
                self.progress(index, attempt)
        return CandidateRecord(position, tuple(attempts), prompt=prompt)

    def _attempt(
        self,
        messages: list[Message],
        purpose: Literal["create", "repair"],
        index: int,
        round_: int,
        repeat: int,
        shown: Sequence[Labelled],
    ) -> Attempt:
        seed = self.budget.seed_for(index, round_)
        temperature = self.budget.temperature_for(repeat)
        call = {"purpose": purpose, "round": round_, "seed": seed, "temperature": temperature}
        try:
            completion = self.model.complete(
                messages,
                purpose=purpose,
                max_tokens=self.budget.max_tokens_per_call,
                temperature=temperature,
                seed=seed,
            )
        except FATAL_MODEL_ERRORS:
            raise
        except ModelError as error:
            return Attempt(**call, outcome="model_error", detail=str(error))
        self._spent += completion.input_tokens + completion.output_tokens
        chars = max(sum(len(message["content"]) for message in messages), 1)
        self._tokens_per_char = max(self._tokens_per_char, completion.input_tokens / chars)
        usage = {
            "input_tokens": completion.input_tokens,
            "output_tokens": completion.output_tokens,
            "latency_s": completion.latency_s,
            "cached": completion.cached,
            "shown_total": len(shown),
            "reply": completion.text,
        }
        extraction = extract_code(completion.text)
        if extraction.code is None:
            return Attempt(**call, **usage, outcome="no_code", detail=extraction.problem or "")
        code, added_imports = add_missing_imports(extraction.code)
        run = self.runner.run(code, [example.input for example in shown])
        return Attempt(
            **call,
            **usage,
            extraction=extraction.method,
            added_imports=added_imports,
            code=code,
            **self._shown_figures(run, shown),
        )

    def _shown_figures(self, run: ShownRun, shown: Sequence[Labelled]) -> dict[str, Any]:
        """An attempt's fields that say how its code did on the shown examples."""
        outcome, correct, detail = self._judge(run, shown)
        answered = sum(call.ok and _answered(call.output) for call in run.calls)
        return {
            "outcome": outcome,
            "shown_correct": correct,
            "shown_answered": answered,
            "detail": detail,
            "failures": self._failures(run, shown, answered=True),
            "unanswered": self._failures(run, shown, answered=False),
        }

    def _judge(self, run: ShownRun, shown: Sequence[Labelled]) -> tuple[Outcome, int, str]:
        """(outcome, shown examples right, what went wrong) for one sandbox run."""
        if run.load_error is not None:
            return "error", 0, run.load_error
        correct = sum(
            call.ok and score_output(self.scorer, call.output, example.target) >= 1.0
            for call, example in zip(run.calls, shown, strict=True)
        )
        crashed = [
            (example, call) for call, example in zip(run.calls, shown, strict=True) if not call.ok
        ]
        if crashed:
            example, call = crashed[0]
            input_text = prompts.quote(example.input, 200)
            return "error", correct, f"on INPUT {input_text} it raised {call.error}"
        if correct == len(shown):
            return "passed", correct, ""
        return "wrong", correct, f"{len(shown) - correct} of {len(shown)} shown examples wrong"

    def _failures(
        self, run: ShownRun, shown: Sequence[Labelled], *, answered: bool
    ) -> tuple[prompts.ShownFailure, ...]:
        """Up to three shown examples the code got wrong (calls that raised excluded): with
        ``answered``, those it gave a wrong answer for; else those it answered nothing for."""
        if run.load_error is not None:
            return ()
        wrong = [
            prompts.ShownFailure(example.input, example.target, _render_got(call.output))
            for call, example in zip(run.calls, shown, strict=True)
            if call.ok
            and _answered(call.output) == answered
            and score_output(self.scorer, call.output, example.target) < 1.0
        ]
        return tuple(wrong[: prompts.MAX_REPAIR_FAILURES])

    def _repair_messages(self, base: list[Message], last: Attempt) -> list[Message]:
        """Feedback on the last attempt by its failure kind: its missing code, its error, the
        phrasings it answered nothing for, or its wrong answers.

        The model sees its previous code alone in a block (not its prose), to keep prompts short.
        """
        if last.code is None:
            return prompts.repair_no_code_messages(base, last.reply, last.detail)
        previous = f"```python\n{last.code.rstrip()}\n```"
        if last.failure_kind == "crash":
            return prompts.repair_error_messages(base, previous, last.detail)
        if last.failure_kind == "no_answer":
            return prompts.repair_no_answer_messages(
                base,
                previous,
                last.unanswered,
                count=last.shown_total - last.shown_answered,
                total=last.shown_total,
            )
        wrong = last.shown_total - last.shown_correct
        return prompts.repair_wrong_messages(
            base, previous, last.failures, wrong=wrong, total=last.shown_total
        )


def _heldout_accuracy(record: CandidateRecord) -> float:
    verdict = record.verdict
    return (verdict.heldout_accuracy or 0.0) if verdict else 0.0


def _answered(output: Any) -> bool:
    """Whether a ``solve`` output is an answer rather than an abstention ("" or None)."""
    return output is not None and str(output).strip() != ""


def _render_got(output: Any) -> str:
    if isinstance(output, str):
        return prompts.quote(output, 300)
    return f"{output!r} (a {type(output).__name__}; {ENTRY_POINT} must return a str)"
