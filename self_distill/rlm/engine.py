"""The RLM loop: a root model writes code cells against ``context`` in a sandboxed REPL.

Each turn the root model replies; its ```python blocks run as cells in a persistent namespace in
the hardened sandbox worker, which holds ``context`` and host functions only. ``llm_query``,
``llm_query_batched``, ``rlm_query``, ``FINAL`` and ``FINAL_VAR`` are answered here, on the host,
through the sandbox's request channel: the worker has no network and no model. The answer is
whatever executed code passed to ``FINAL`` (never text parsed from a reply); when the turns run
out, one extraction call asks for it. Every limit lives in :class:`Budget` and this module, out of
the REPL's reach, and every call goes to the ledger with its purpose, parent call and depth.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from self_distill.errors import ModelError
from self_distill.ledger import RecordedModel
from self_distill.models.base import Completion, Message
from self_distill.rlm import prompts
from self_distill.rlm.budget import Budget
from self_distill.rlm.config import RlmLimits
from self_distill.rlm.trajectory import Cell, RlmAnswer, Step, Trajectory
from self_distill.rlm.window import ModelWindow
from self_distill.sandbox import Handle, HostFunctionError, Sandbox

HOST_FUNCTIONS = ("FINAL", "FINAL_VAR", "llm_query", "llm_query_batched", "rlm_query")
SUB_CALL_FUNCTIONS = frozenset({"llm_query", "llm_query_batched", "rlm_query"})

Event = dict[str, Any]
EventHandler = Callable[[Event], None]
"""Receives each event of a run as it happens (``kind``: root_call, cell, sub_call, answer)."""


@dataclass(frozen=True)
class RlmModels:
    """The root and sub models, recorded in one ledger run, with their context windows."""

    root: RecordedModel
    sub: RecordedModel
    root_window: ModelWindow
    sub_window: ModelWindow


def answer_text(value: Any) -> str:
    """The text of a FINAL value: a str as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def run_rlm(
    context: str,
    models: RlmModels,
    *,
    query: str | None = None,
    limits: RlmLimits | None = None,
    sandbox_options: dict[str, Any] | None = None,
    on_event: EventHandler | None = None,
) -> RlmAnswer:
    """Answer ``context`` (the whole task text, any size) in RLM mode; see the module docstring.

    ``query``, when given, is shown to the root model as the task, with ``context`` as its data.
    ``sandbox_options`` go to every :class:`Sandbox` of the tree (for example
    ``allow_missing_layers``). Model errors end the affected RLM with ``model_error``; they are
    recorded, not raised.
    """
    limits = limits or RlmLimits()
    budget = Budget(limits)
    root = _Rlm(models, budget, 0, None, dict(sandbox_options or {}), on_event)
    trajectory = root.run(context, query)
    if on_event is not None:
        on_event({"kind": "answer", "text": trajectory.answer, "source": trajectory.answer_source})
    return RlmAnswer(
        text=trajectory.answer,
        tokens=budget.tokens,
        calls=tuple(budget.calls),
        trajectory=trajectory,
        wall_s=budget.elapsed_s,
        max_depth_reached=budget.max_depth_reached,
        run_id=models.root.run_id,
    )


class _Rlm:
    """One RLM at ``depth`` of a tree; children share the tree's budget."""

    def __init__(
        self,
        models: RlmModels,
        budget: Budget,
        depth: int,
        parent_call_id: int | None,
        sandbox_options: dict[str, Any],
        on_event: EventHandler | None,
    ) -> None:
        self.models = models
        self.budget = budget
        self.limits = budget.limits
        self.depth = depth
        self.parent_call_id = parent_call_id
        self.sandbox_options = sandbox_options
        self.on_event = on_event
        self.trajectory = Trajectory(depth=depth, context_chars=0)
        self._call_id: int | None = None
        self._final: str | None = None
        self._held: set[str] = set()
        self._final_var: str | None = None
        self._cell_sub_calls = 0

    # the loop ---------------------------------------------------------------------------------

    def run(self, context: str, query: str | None) -> Trajectory:
        self.trajectory.context_chars = len(context)
        self.budget.max_depth_reached = max(self.budget.max_depth_reached, self.depth)
        messages = self._first_messages(context, query)
        options = {"timeout_s": self.limits.cell_timeout_s, **self.sandbox_options}
        with Sandbox(**options) as box:
            handle = box.load("", variables={"context": context}, host_functions=HOST_FUNCTIONS)
            stop = self._turns(box, handle, messages)
        self.trajectory.stop_reason = stop
        if self._final is not None:
            self.trajectory.answer, self.trajectory.answer_source = self._final, "final"
        elif stop == "max_iterations":
            self._extract(messages)
        return self.trajectory

    def _first_messages(self, context: str, query: str | None) -> list[Message]:
        window = self.models.sub_window
        sub_tokens = (window.tokens or 8192) - self.limits.sub_max_tokens - 64
        system = prompts.system_message(
            n_chars=len(context),
            n_lines=context.count("\n") + 1,
            output_chars=self.limits.max_output_chars,
            sub_chars=max(0, window.chars_for(sub_tokens)),
            may_recurse=self.depth + 1 <= self.limits.max_depth,
        )
        return [system, prompts.first_user_message(context, query, self.limits.preview_chars)]

    def _turns(self, box: Sandbox, handle: Handle, messages: list[Message]) -> str:
        """Run turns until an answer or a limit; returns the stop reason.

        Replies are sampled at temperature 0 until the model repeats code it already ran; the
        turn after a repeat is sampled warmer (seeded), since at temperature 0 the same history
        gives the same reply again.
        """
        ran: set[str] = set()
        temperature = 0.0
        for iteration in range(self.limits.max_iterations):
            fitted = self._fit(messages)
            refused = self._refuse_root_call(fitted)
            if refused is not None:
                return refused
            completion = self._root_call(fitted, iteration, temperature)
            if completion is None:
                return "model_error"
            blocks = prompts.code_blocks(completion.text)
            cells = [self._run_cell(box, handle, code) for code in self._until_final(blocks)]
            self.trajectory.steps.append(
                Step(iteration, self._call_id, completion.text, tuple(cells))
            )
            if self._final is not None:
                return "final"
            codes = [cell.code for cell in cells]
            reply = prompts.replayed_reply(completion.text, codes)
            messages.append({"role": "assistant", "content": reply})
            if not cells:
                messages.append({"role": "user", "content": prompts.NO_CODE})
                continue
            keys = {_code_key(code) for code in codes}
            repeated = keys <= ran
            ran |= keys
            temperature = REPEAT_TEMPERATURE if repeated else 0.0
            last = cells[-1]
            empty = last.error is None and prompts.looks_empty(last.output)
            outputs = [_shown_output(cell, n, len(cells)) for n, cell in enumerate(cells)]
            names = [n for code in codes for n in prompts.assigned_names(code)]
            feedback = prompts.cell_feedback(outputs, repeated, empty, names[-6:])
            messages.append({"role": "user", "content": feedback})
        return "max_iterations"

    def _until_final(self, blocks: list[str]) -> Iterator[str]:
        """The blocks of a reply in order, stopping once a cell has set the answer."""
        for code in blocks:
            if self._final is not None:
                return
            yield code

    def _run_cell(self, box: Sandbox, handle: Handle, code: str) -> Cell:
        self._cell_sub_calls = 0
        self._final_var = None
        had_answer = self._final is not None
        result = box.execute(handle, code, self._on_request, timeout_s=self.limits.cell_timeout_s)
        printed, error = result.printed, result.error
        if self._final is None and self._final_var is not None:
            follow = box.execute(handle, f"FINAL({self._final_var})\n", self._on_request)
            if not follow.ok:
                error = f"FINAL_VAR({self._final_var!r}) failed: {follow.error}"
        if result.restarted:
            note = "(the session restarted: names defined by earlier blocks are gone)"
            error = f"{error} {note}" if error else note
        cell = Cell(
            code=code,
            ok=result.ok and error is None,
            output=prompts.cut_output(printed, self.limits.max_output_chars),
            error=error,
            duration_s=result.duration_s,
            sub_calls=self._cell_sub_calls,
            final=not had_answer and self._final is not None,
            restarted=result.restarted,
        )
        self._emit({"kind": "cell", "depth": self.depth, "cell": cell})
        return cell

    def _fit(self, messages: list[Message]) -> list[Message]:
        """``messages`` with the oldest turns left out until the prompt fits the root window."""
        window, reply = self.models.root_window, self.limits.root_max_tokens
        kept = list(messages)
        cut = False
        while not window.fits(kept, reply) and len(kept) > 4:
            del kept[2:4]
            cut = True
        if cut:
            first = kept[1]
            kept[1] = {
                "role": first["role"],
                "content": first["content"] + "\n" + prompts.HISTORY_CUT,
            }
        return kept

    def _refuse_root_call(self, messages: list[Message]) -> str | None:
        reason = self.budget.exhausted()
        if reason is not None:
            return reason
        needed = self.models.root_window.prompt_tokens(messages) + self.limits.root_max_tokens
        if needed > self.budget.tokens_left():
            return "tokens"
        return None

    def _root_call(
        self, messages: list[Message], iteration: int, temperature: float = 0.0
    ) -> Completion | None:
        root = self.models.root
        try:
            completion = root.complete(
                messages,
                purpose="rlm_root",
                max_tokens=self.limits.root_max_tokens,
                temperature=temperature,
                seed=iteration,
                parent_call_id=self.parent_call_id,
                depth=self.depth,
            )
        except ModelError as error:
            self._call_id = root.last_call_id
            self.budget.charge(
                root.last_call_id,
                "rlm_root",
                root.spec,
                self.depth,
                self.parent_call_id,
                None,
                str(error),
            )
            self._emit(
                {
                    "kind": "root_call",
                    "depth": self.depth,
                    "iteration": iteration,
                    "error": str(error),
                }
            )
            return None
        self._call_id = root.last_call_id
        record = self.budget.charge(
            root.last_call_id, "rlm_root", root.spec, self.depth, self.parent_call_id, completion
        )
        self._emit(
            {
                "kind": "root_call",
                "depth": self.depth,
                "iteration": iteration,
                "reply": completion.text,
                "tokens": record.tokens,
            }
        )
        return completion

    def _extract(self, messages: list[Message]) -> None:
        """The one call made when the turns ran out: ask for the answer as plain text."""
        asked = self._fit([*messages, {"role": "user", "content": prompts.EXTRACT}])
        if self._refuse_root_call(asked) is not None:
            return
        completion = self._root_call(asked, self.limits.max_iterations)
        if completion is not None:
            self.trajectory.answer = completion.text.strip()
            self.trajectory.answer_source = "extraction"

    # host functions ---------------------------------------------------------------------------

    def _on_request(self, function: str, args: list[Any]) -> Any:
        if function == "FINAL":
            if len(args) != 1:
                raise HostFunctionError("FINAL takes exactly one argument: the answer")
            if self._final is None:
                self._final = self._checked_final(answer_text(args[0]))
            return None
        if function == "FINAL_VAR":
            name = args[0] if len(args) == 1 else None
            if type(name) is not str or not name.isidentifier() or name.startswith("_"):
                raise HostFunctionError("FINAL_VAR takes the name of a variable, as a str")
            self._final_var = name
            return None
        if function == "llm_query":
            if len(args) != 1:
                raise HostFunctionError("llm_query takes exactly one argument: the prompt")
            return self._sub_query(args[0])
        if function == "llm_query_batched":
            if len(args) != 1 or type(args[0]) is not list:
                raise HostFunctionError("llm_query_batched takes one argument: a list of prompts")
            return [self._batch_item(prompt) for prompt in args[0]]
        if function == "rlm_query":
            if len(args) != 2:
                raise HostFunctionError("rlm_query takes two arguments: a prompt and a text")
            return self._child(args[0], args[1])
        raise HostFunctionError(f"unknown function {function}")

    def _checked_final(self, value: str) -> str:
        """``value``, unless it is a first 0 or empty answer: small models call FINAL on a
        filter that matched nothing, so that is held back once and the model asked to check."""
        if prompts.is_empty_answer(value) and value not in self._held:
            self._held.add(value)
            raise HostFunctionError(prompts.FINAL_HELD.format(value=value or '""'))
        return value

    def _batch_item(self, prompt: Any) -> str:
        try:
            return self._sub_query(prompt)
        except HostFunctionError as error:
            return f"error: {error}"

    def _sub_query(self, prompt: Any) -> str:
        if type(prompt) is not str:
            raise HostFunctionError(
                f"llm_query: the prompt must be a str, not {type(prompt).__name__}"
            )
        refused = self.budget.take_sub_call()
        if refused is not None:
            raise HostFunctionError(
                f"llm_query refused: the run's {_LIMIT_NAMES[refused]} is spent"
            )
        self._cell_sub_calls += 1
        window, reply = self.models.sub_window, self.limits.sub_max_tokens
        messages: list[Message] = [{"role": "user", "content": prompt}]
        needed = window.prompt_tokens(messages)
        if window.tokens is not None and needed + reply > window.tokens:
            room = window.tokens - reply - 64
            raise HostFunctionError(
                f"llm_query refused: the prompt is about {needed} tokens but the model's window "
                f"is {window.tokens} tokens; send pieces of at most about "
                f"{window.chars_for(max(0, room))} characters"
            )
        if needed + reply > self.budget.tokens_left():
            raise HostFunctionError("llm_query refused: the run's token budget is spent")
        sub = self.models.sub
        depth = self.depth + 1
        try:
            completion = sub.complete(
                messages,
                purpose="rlm_sub",
                max_tokens=reply,
                temperature=0.0,
                seed=0,
                parent_call_id=self._call_id,
                depth=depth,
            )
        except ModelError as error:
            self.budget.charge(
                sub.last_call_id, "rlm_sub", sub.spec, depth, self._call_id, None, str(error)
            )
            self._emit(
                {
                    "kind": "sub_call",
                    "depth": depth,
                    "prompt_chars": len(prompt),
                    "error": str(error),
                }
            )
            raise HostFunctionError(f"llm_query failed: {error}") from None
        record = self.budget.charge(
            sub.last_call_id, "rlm_sub", sub.spec, depth, self._call_id, completion
        )
        self._emit(
            {
                "kind": "sub_call",
                "depth": depth,
                "prompt_chars": len(prompt),
                "reply": completion.text,
                "tokens": record.tokens,
            }
        )
        return completion.text

    def _child(self, prompt: Any, text: Any) -> str:
        if type(prompt) is not str:
            raise HostFunctionError("rlm_query: the prompt must be a str")
        if self.depth + 1 > self.limits.max_depth:
            raise HostFunctionError(
                f"rlm_query refused: the depth limit ({self.limits.max_depth}) is reached; "
                "use llm_query on small pieces instead"
            )
        refused = self.budget.take_sub_call()
        if refused is not None:
            raise HostFunctionError(
                f"rlm_query refused: the run's {_LIMIT_NAMES[refused]} is spent"
            )
        self._cell_sub_calls += 1
        child = _Rlm(
            self.models,
            self.budget,
            self.depth + 1,
            self._call_id,
            self.sandbox_options,
            self.on_event,
        )
        trajectory = child.run(answer_text(text), prompt)
        self.trajectory.children.append(trajectory)
        if trajectory.answer is None:
            raise HostFunctionError(f"rlm_query found no answer ({trajectory.stop_reason})")
        return trajectory.answer

    def _emit(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)


REPEAT_TEMPERATURE = 0.7


def _code_key(code: str) -> str:
    """A cell's code with blank lines and trailing spaces ignored, to spot a repeat."""
    return "\n".join(line.rstrip() for line in code.strip().splitlines() if line.strip())


_LIMIT_NAMES = {"tokens": "token budget", "wall_time": "wall time", "sub_calls": "sub-call limit"}


def _shown_output(cell: Cell, index: int, count: int) -> str:
    label = f"Output of block {index + 1}:" if count > 1 else "Output:"
    body = cell.output.rstrip() or "(nothing printed)"
    if cell.error:
        body = f"{body}\nError: {cell.error}" if cell.output.strip() else f"Error: {cell.error}"
    return f"{label}\n{body}"
