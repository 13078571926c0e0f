"""The skill verifier: a skill is guilty until proven useful.

:func:`verify_skill` loads the code into the sandbox, runs ``solve`` on every held-out example
(twice, to catch non-determinism) and every shown example, runs ``applies`` on other clusters'
inputs, and hands the results to the plain checks in
:mod:`self_distill.skills.verification.checks`. Expected answers never enter the sandbox: scoring
happens here, on the host.

Failure policy (each failed check records its reason code, and all checks that can run do run):

- ``syntax``: the code does not compile under the sandbox policy (a syntax error, or a construct
  the policy forbids such as an ``_``-prefixed name). Nothing else can run. Importing a module
  outside the curated set fails only when the module-level code runs: the sandbox reports that
  as a runtime failure, recorded here as ``crash``.
- ``contract``: no top-level ``solve``; or ``solve`` returned a non-string, or ``applies`` a
  non-boolean, or either returned a value the sandbox cannot send back (``bad_output_type``,
  ``output_too_large``), on some input. That example counts as wrong.
- ``crash``: the module raised while loading, or any call raised (``exception``) or lost its
  worker (``crash``), on any example of any split. The example counts as wrong.
- ``timeout``: any call (or the module-level code) ran past ``call_timeout_s``. The example
  counts as wrong; to bound the cost of a hanging skill, calls run in growing batches and the
  verifier stops calling after a batch with a timeout (examples not run count as wrong; the
  determinism and trigger checks are then skipped).
- ``nondeterministic``: the two held-out runs differ in output or success on any example.
- the accuracy, baseline, triviality, sensitivity and slowness checks: see ``VerifierConfig``.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from self_distill.errors import UsageError
from self_distill.sandbox import CodeRejectedError, Result, Sandbox
from self_distill.skills.contract import ENTRY_POINT, TRIGGER
from self_distill.skills.examples import Labelled
from self_distill.skills.verification import checks
from self_distill.skills.verification.checks import score_output
from self_distill.skills.verification.config import VerifierConfig
from self_distill.skills.verification.verdict import (
    REASON_CODES,
    CheckResult,
    FailedExample,
    Split,
    Verdict,
)
from self_distill.stats import wilson_interval
from self_distill.tasks import Scorer, scorer_for

_NOT_RUN = "not run: an earlier call timed out"
_CONTRACT_ERRORS = frozenset({"bad_output_type", "output_too_large", "missing_function"})
_MAX_RECORDED_OUTPUT_CHARS = 2000


@dataclass(frozen=True)
class _Run:
    """One Result per input of one function; after a timeout the rest are ``not_run``."""

    inputs: Sequence[str]
    results: Sequence[Result]

    @property
    def complete(self) -> bool:
        return not any(result.error_kind == "not_run" for result in self.results)

    def ran(self) -> list[Result]:
        """The results of calls that were made (``not_run`` ones left out)."""
        return [result for result in self.results if result.error_kind != "not_run"]

    def pairs(self) -> list[tuple[bool, Any]]:
        """(ok, output) per input, (False, None) for a failed call or one never made."""
        return [(result.ok, result.output if result.ok else None) for result in self.results]

    def outputs(self) -> list[Any]:
        return [output for _, output in self.pairs()]

    def errors(self) -> list[str | None]:
        return [result.error for result in self.results]


def verify_skill(
    code: str,
    shown: Sequence[Labelled],
    heldout: Sequence[Labelled],
    *,
    answer_format: str = "exact",
    config: VerifierConfig | None = None,
    other_cluster_inputs: Sequence[str] = (),
    sandbox: Sandbox | None = None,
) -> Verdict:
    """Judge ``code`` (a skill module text) on labelled examples and return the :class:`Verdict`.

    ``answer_format`` chooses the scorer (:func:`~self_distill.tasks.scorer_for`), the same one
    creation, experiments and routing use. ``shown`` are the examples the creator saw (used for
    crash and lookup-table checks and for repair material); ``heldout`` are examples it never saw
    (accuracy is measured only on them).
    ``other_cluster_inputs`` are inputs from other clusters for the ``trigger_leak`` check.
    ``sandbox`` lets a caller reuse a running sandbox (its own timeout then applies); by default a
    fresh one with ``config.call_timeout_s`` is started and closed here.

    Raises :class:`UsageError` when ``heldout`` is empty, and lets sandbox start-up errors
    (:class:`~self_distill.errors.SandboxError`) propagate: they say nothing about the skill.
    """
    config = config or VerifierConfig()
    scorer = scorer_for(answer_format)
    if not heldout:
        raise UsageError("verify_skill needs at least one held-out example to measure accuracy.")
    with _sandbox(sandbox, config) as box:
        return _verify(box, code, shown, heldout, scorer, config, other_cluster_inputs)


@contextmanager
def _sandbox(given: Sandbox | None, config: VerifierConfig) -> Iterator[Sandbox]:
    if given is not None:
        yield given
        return
    with Sandbox(timeout_s=config.call_timeout_s) as box:
        yield box


def _verify(
    box: Sandbox,
    code: str,
    shown: Sequence[Labelled],
    heldout: Sequence[Labelled],
    scorer: Scorer,
    config: VerifierConfig,
    other_cluster_inputs: Sequence[str],
) -> Verdict:
    try:
        handle = box.load(code)
    except CodeRejectedError as error:
        return _unrun_verdict(_load_failure(error), shown, heldout, config)
    found = {"syntax": CheckResult("syntax", "passed")}
    functions = list(handle.functions)
    if ENTRY_POINT not in functions:
        found["contract"] = CheckResult.judged(
            "contract", True, functions=functions, problem="no top-level solve(text) function"
        )
        return _unrun_verdict(found, shown, heldout, config)

    heldout_inputs = [example.input for example in heldout]
    targets = [example.target for example in heldout]
    runs: list[_Run] = [_run(box, handle, ENTRY_POINT, heldout_inputs)]
    first = runs[0]
    for inputs in ([example.input for example in shown], heldout_inputs):
        if all(run.complete for run in runs):
            runs.append(_run(box, handle, ENTRY_POINT, inputs))
    applies: _Run | None = None
    wants_applies = TRIGGER in functions and other_cluster_inputs
    if wants_applies and all(run.complete for run in runs):
        applies = _run(box, handle, TRIGGER, list(other_cluster_inputs))
    every_run = runs + ([applies] if applies is not None else [])

    found["contract"] = _contract(functions, runs, applies)
    found["crash"] = _call_failures("crash", every_run)
    found["timeout"] = _call_failures("timeout", every_run)
    if len(runs) == 3 and runs[2].complete:
        found["nondeterministic"] = checks.check_nondeterministic(
            heldout_inputs, first.pairs(), runs[2].pairs()
        )
    else:
        found["nondeterministic"] = CheckResult.skipped("nondeterministic", _NOT_RUN)

    outputs = first.outputs()
    scores = [
        score_output(scorer, out, target) for out, target in zip(outputs, targets, strict=True)
    ]
    baseline_answer, baseline_accuracy = checks.best_constant_answer(targets, scorer)
    found["low_accuracy"] = checks.check_low_accuracy(scores, config)
    found["below_baseline"] = checks.check_below_baseline(
        scores, baseline_answer, baseline_accuracy, config
    )
    answered = [output for ok, output in first.pairs() if ok]
    found["trivial_constant"] = (
        checks.check_trivial_constant(answered, targets, config)
        if answered
        else CheckResult.skipped("trivial_constant", "no call returned an answer")
    )
    found["insensitive"] = checks.check_insensitive(scores, outputs, targets, scorer, config)
    found["lookup_table"] = checks.check_lookup_table(code, shown, config)
    durations = [result.duration_s for run in runs for result in run.ran() if result.ok]
    found["slow"] = checks.check_slow(durations, config)
    found["trigger_leak"] = _trigger_leak(functions, other_cluster_inputs, applies, config)

    failures = _failures("heldout", heldout, first, scorer, config)
    if len(runs) > 1:
        failures += _failures("shown", shown, runs[1], scorer, config)
    return Verdict(
        checks=found,
        heldout_accuracy=statistics.fmean(scores),
        heldout_ci=wilson_interval(sum(scores), len(scores), config.confidence),
        baseline_accuracy=baseline_accuracy,
        n_shown=len(shown),
        n_heldout=len(heldout),
        failures=tuple(failures),
        config=config.to_dict(),
    )


def _load_failure(error: CodeRejectedError) -> dict[str, CheckResult]:
    """Checks decided by a failed load: syntax/policy -> syntax; module-level failure -> crash
    (or timeout, when the module-level code ran out of time)."""
    figures = {"kind": error.kind, "message": error.message}
    if error.kind in ("syntax", "policy"):
        return {"syntax": CheckResult("syntax", "failed", figures)}
    name = "timeout" if error.message.startswith("timeout") else "crash"
    return {"syntax": CheckResult("syntax", "passed"), name: CheckResult(name, "failed", figures)}


def _unrun_verdict(
    found: dict[str, CheckResult],
    shown: Sequence[Labelled],
    heldout: Sequence[Labelled],
    config: VerifierConfig,
) -> Verdict:
    """The verdict for code that never ran: every check not in ``found`` is skipped."""
    why = "the code did not load or defines no solve()"
    return Verdict(
        checks={name: found.get(name) or CheckResult.skipped(name, why) for name in REASON_CODES},
        heldout_accuracy=None,
        heldout_ci=None,
        baseline_accuracy=None,
        n_shown=len(shown),
        n_heldout=len(heldout),
        config=config.to_dict(),
    )


def _run(box: Sandbox, handle: Any, function: str, inputs: Sequence[str]) -> _Run:
    return _Run(inputs, box.run_until_timeout(handle, function, inputs))


def _reason_of(result: Result) -> str | None:
    """The reason code a failed call counts under: ``timeout``, ``contract`` or ``crash``.

    Output and missing-function errors break the contract, timeouts are timeouts, every other
    kind (exception, crash, ...) is a crash; a call never made (``not_run``) counts under none.
    """
    kind = result.error_kind
    if kind is None or kind == "not_run":
        return None
    if kind == "timeout":
        return "timeout"
    return "contract" if kind in _CONTRACT_ERRORS else "crash"


def _call_failures(kind: str, runs: Sequence[_Run]) -> CheckResult:
    failed = [
        (run.inputs[i], result.error)
        for run in runs
        for i, result in enumerate(run.results)
        if _reason_of(result) == kind
    ]
    figures: dict[str, Any] = {
        "n_calls": sum(len(run.ran()) for run in runs),
        "n_failed": len(failed),
    }
    if failed:
        figures["first_input"] = checks.preview(failed[0][0])
        figures["first_error"] = checks.preview(failed[0][1])
    return CheckResult.judged(kind, bool(failed), **figures)


def _contract(functions: list[str], runs: Sequence[_Run], applies: _Run | None) -> CheckResult:
    every_run = [*runs, applies] if applies is not None else list(runs)
    refused = [
        result.error
        for run in every_run
        for result in run.results
        if _reason_of(result) == "contract"
    ]
    non_strings = [
        output for run in runs for ok, output in run.pairs() if ok and not isinstance(output, str)
    ]
    non_bools = (
        []
        if applies is None
        else [output for ok, output in applies.pairs() if ok and not isinstance(output, bool)]
    )
    figures: dict[str, Any] = {
        "functions": functions,
        "non_string_outputs": len(non_strings),
        "non_bool_applies": len(non_bools),
        "refused_outputs": len(refused),
    }
    if non_strings:
        figures["first_non_string"] = checks.preview(non_strings[0])
    if non_bools:
        figures["first_non_bool"] = checks.preview(non_bools[0])
    if refused:
        figures["first_refusal"] = checks.preview(refused[0])
    return CheckResult.judged("contract", bool(non_strings or non_bools or refused), **figures)


def _trigger_leak(
    functions: list[str],
    other_cluster_inputs: Sequence[str],
    applies: _Run | None,
    config: VerifierConfig,
) -> CheckResult:
    if TRIGGER not in functions:
        return CheckResult.skipped("trigger_leak", "the skill defines no applies()")
    if not other_cluster_inputs:
        return CheckResult.skipped("trigger_leak", "no inputs from other clusters were given")
    if applies is None or not applies.complete:
        return CheckResult.skipped("trigger_leak", _NOT_RUN)
    return checks.check_trigger_leak(
        [ok and output is True for ok, output in applies.pairs()], config
    )


def _failures(
    split: Split, examples: Sequence[Labelled], run: _Run, scorer: Scorer, config: VerifierConfig
) -> list[FailedExample]:
    """Up to ``max_failures_per_split`` examples that failed or scored below 1, in input order."""
    failures: list[FailedExample] = []
    for example, (ok, output), error in zip(examples, run.pairs(), run.errors(), strict=True):
        if len(failures) >= config.max_failures_per_split:
            break
        if ok and score_output(scorer, output, example.target) >= 1.0:
            continue
        failures.append(
            FailedExample(
                split=split,
                input=example.input,
                expected=example.target,
                got=_bounded(output),
                error=None if ok else error,
            )
        )
    return failures


def _bounded(output: Any) -> Any:
    """``output`` as recorded in a failure: a long answer is cut, so verdicts stay small."""
    text = output if isinstance(output, str) else json.dumps(output)
    if len(text) <= _MAX_RECORDED_OUTPUT_CHARS:
        return output
    return text[:_MAX_RECORDED_OUTPUT_CHARS] + f"... ({len(text)} characters in all)"
