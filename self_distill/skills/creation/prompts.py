"""The creator's prompt templates, versioned and hashed.

A created skill records :data:`PROMPT_VERSION` and :func:`template_hash`, so any skill in the store
can be traced to the exact wording that produced it; change the wording, bump the version. The
prompts are compact on purpose: a small local coder pays for every prompt token (about 80 tokens/s
of prompt evaluation on a CPU) and follows short explicit instructions best.

Only *shown* examples ever enter these prompts; held-out examples stay with the verifier.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from self_distill.models.base import Message
from self_distill.skills.examples import Labelled

PROMPT_VERSION = "create-v3"

ALLOWED_IMPORTS: tuple[str, ...] = (
    "re",
    "json",
    "math",
    "datetime",
    "itertools",
    "collections",
    "string",
)
"""Modules a skill may import; the sandbox hands back safe stand-ins for exactly these."""

SYSTEM_PROMPT = "You are a careful Python programmer. You answer with one Python code block."

CREATE_TEMPLATE = """\
Write a Python function `solve(text: str) -> str` that passes these tests:

```python
{examples}
```

Each `text` is a whole task: an instruction (worded differently each time) and its data. `solve` \
must find the data inside the text, apply the general rule and return the answer string exactly \
as the tests expect. Never hard-code the tests. Imports allowed: {imports}; exec and other modules \
are not available, and eval only evaluates arithmetic on numbers.

Reply with one ```python block only. Begin `solve` with a comment saying where the data is in \
the text and what the rule is; then write the code."""

EXAMPLE_TEMPLATE = "assert solve({input}) == {target}"

VOWELS_DEMO_EXAMPLES: tuple[tuple[str, str], ...] = (
    ("How many vowels are there in: banana split", "4"),
    ("Count the vowels.\nText: sky high", "1"),
    ("Number of vowels in the following words: idea, oak", "5"),
)
VOWELS_DEMO_REPLY = """\
```python
import re


def solve(text: str) -> str:
    # The data is the text after the last ':' or newline; the instruction before it varies.
    data = re.split(r"[:\\n]", text)[-1]
    # The words may be separated by spaces or commas, so pick out the words themselves.
    words = re.findall(r"[a-zA-Z]+", data)
    # Rule: count the vowels in the words.
    return str(sum(letter in "aeiou" for word in words for letter in word.lower()))
```"""
"""A worked example of an unrelated task, shown before the real one: it demonstrates the contract
(the instruction varies and is not part of the answer; the data must be parsed out of the text;
the answer is returned as a string). The 1.5B coder copies the demonstration's parsing almost
line by line, so the demonstration parses robustly: it picks the tokens out with a pattern instead
of splitting on spaces (``create-v1`` split on spaces, and every word-list skill it inspired broke
on comma-separated lists). Its idioms suit word-list tasks best."""

REPAIR_WRONG_TEMPLATE = """\
Your code gives wrong answers on {count} of {total} examples, for instance:

{failures}
Find the mistake and reply with the corrected complete code in one ```python block."""

FAILURE_TEMPLATE = "INPUT: {input}\nEXPECTED: {expected}\nGOT: {got}\n"

REPAIR_ERROR_TEMPLATE = """\
Your code failed: {error}
Fix it and reply with the corrected complete code in one ```python block."""

REPAIR_NO_CODE_TEMPLATE = """\
I found no usable code: {problem}.
Reply with the complete code in one ```python block defining `def solve(text: str) -> str`."""

MAX_REPAIR_FAILURES = 3
"""Failing examples in a repair prompt (more costs prompt tokens and confuses small models)."""


def template_hash() -> str:
    """A short sha256 of the version and every template, recorded with each created skill."""
    payload = json.dumps(
        [
            PROMPT_VERSION,
            ALLOWED_IMPORTS,
            SYSTEM_PROMPT,
            CREATE_TEMPLATE,
            VOWELS_DEMO_EXAMPLES,
            VOWELS_DEMO_REPLY,
            EXAMPLE_TEMPLATE,
            REPAIR_WRONG_TEMPLATE,
            FAILURE_TEMPLATE,
            REPAIR_ERROR_TEMPLATE,
            REPAIR_NO_CODE_TEMPLATE,
            MAX_REPAIR_FAILURES,
        ]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class ShownFailure:
    """A shown example the candidate got wrong: ``got`` is its answer rendered for the prompt."""

    input: str
    expected: str
    got: str


def quote(text: object, limit: int) -> str:
    """``repr`` of a value, so whitespace and quotes are exact, cut to ``limit`` characters."""
    rendered = repr(text)
    return rendered if len(rendered) <= limit else rendered[: limit - 5] + "...'"


def create_messages(examples: Sequence[Labelled], *, max_chars: int = 600) -> list[Message]:
    """The first prompt: the skill contract and allowed imports, the worked demonstration, then
    the shown ``examples``. Every candidate gets the same prompt (only the seed differs), so a
    local model reuses the evaluated prompt prefix across candidates.

    Each input and target is shown as a Python literal cut to ``max_chars`` characters.
    """
    demo = [LabelledPair(text, answer) for text, answer in VOWELS_DEMO_EXAMPLES]
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": _task_prompt(demo, max_chars)},
        {"role": "assistant", "content": VOWELS_DEMO_REPLY},
        {"role": "user", "content": _task_prompt(examples, max_chars)},
    ]


@dataclass(frozen=True)
class LabelledPair:
    """An input and its target (the demonstration's examples)."""

    input: str
    target: str


def _task_prompt(examples: Sequence[Labelled], max_chars: int) -> str:
    rendered = "\n".join(
        EXAMPLE_TEMPLATE.format(
            input=quote(example.input, max_chars), target=quote(example.target, max_chars)
        )
        for example in examples
    )
    return CREATE_TEMPLATE.format(imports=", ".join(ALLOWED_IMPORTS), examples=rendered)


def _continue(base: Sequence[Message], reply: str, feedback: str) -> list[Message]:
    """The first prompt, the model's latest reply and the feedback on it.

    Only the latest attempt is kept, so repair prompts do not grow with every round and the shared
    prefix stays cacheable.
    """
    return [*base, {"role": "assistant", "content": reply}, {"role": "user", "content": feedback}]


def repair_wrong_messages(
    base: Sequence[Message],
    reply: str,
    failures: Sequence[ShownFailure],
    *,
    wrong: int,
    total: int,
    max_chars: int = 300,
) -> list[Message]:
    """Repair prompt for code that ran but answered ``wrong`` of ``total`` shown examples
    wrongly, showing up to three of the ``failures``."""
    shown = "\n".join(
        FAILURE_TEMPLATE.format(
            input=quote(failure.input, max_chars),
            expected=quote(failure.expected, max_chars),
            got=failure.got[:max_chars],
        )
        for failure in failures[:MAX_REPAIR_FAILURES]
    )
    feedback = REPAIR_WRONG_TEMPLATE.format(count=wrong, total=total, failures=shown)
    return _continue(base, reply, feedback)


def repair_error_messages(
    base: Sequence[Message], reply: str, error: str, *, max_chars: int = 500
) -> list[Message]:
    """Repair prompt for code that did not load or raised: the error, shortened."""
    message = error if len(error) <= max_chars else error[: max_chars - 3] + "..."
    return _continue(base, reply, REPAIR_ERROR_TEMPLATE.format(error=message))


def repair_no_code_messages(base: Sequence[Message], reply: str, problem: str) -> list[Message]:
    """Repair prompt for a reply that held no code."""
    return _continue(base, reply, REPAIR_NO_CODE_TEMPLATE.format(problem=problem))
