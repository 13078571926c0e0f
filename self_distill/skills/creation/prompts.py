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
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from self_distill.models.base import Message
from self_distill.skills.examples import Labelled

PROMPT_VERSION = "create-v4"

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
must work for every wording and layout of such tasks, apply the general rule and return the \
answer string exactly as the tests expect; when it cannot find the data, it returns "" rather \
than guess. Never hard-code the tests. Imports allowed: {imports}; exec and other modules are not \
available, and eval only evaluates arithmetic on numbers.

Reply with one ```python block only. Begin `solve` with a comment saying what the rule is; then \
write the code."""
"""The contract. It names no parsing idiom (where the data is and how to find it is the
candidate's choice, or its demonstration's), and asks for ``""`` on unreadable input so that
candidates abstain instead of guessing, which is what lets :mod:`composition` chain them."""

EXAMPLE_TEMPLATE = "assert solve({input}) == {target}"


@dataclass(frozen=True)
class Demonstration:
    """A worked example shown before the real task: its tests and a correct reply.

    ``formats`` are the answer formats it suits (it is preferred for those); ``name`` is what a
    candidate records as its prompt (``demo:<name>``, ``store:<ref>`` for a skill from the store).
    """

    name: str
    formats: tuple[str, ...]
    examples: tuple[tuple[str, str], ...]
    reply: str


VOWELS_DEMO = Demonstration(
    name="vowels",
    formats=("exact", "numeric"),
    examples=(
        ("How many vowels are there in: banana split", "4"),
        ("Count the vowels.\nText: sky high", "1"),
        ("Number of vowels in the following words: idea, oak", "5"),
    ),
    reply="""\
```python
import re


def solve(text: str) -> str:
    # The data is the text after the last ':' or newline; the instruction before it varies.
    data = re.split(r"[:\\n]", text)[-1]
    # The words may be separated by spaces or commas, so pick out the words themselves.
    words = re.findall(r"[a-zA-Z]+", data)
    # Rule: count the vowels in the words.
    return str(sum(letter in "aeiou" for word in words for letter in word.lower()))
```""",
)
"""A word-list task whose data follows the instruction. The 1.5B coder copies a demonstration's
parsing almost line by line; this one picks tokens out with a pattern rather than splitting on
spaces (``create-v1`` split on spaces and broke on comma lists). It suits word-list tasks and
imprints badly on messages whose data sits in a header line (issue 15's email case)."""

YEAR_DEMO = Demonstration(
    name="year",
    formats=("exact",),
    examples=(
        ("In which year was the shop founded? Founded in March 1998 by two sisters.", "1998"),
        ("Reply with the year only.\n---\nFrom: ann@shop.com\nWe opened on 3/4/2011.\n---", "2011"),
        ("Give the founding year of the firm.\nNotes: none recorded", ""),
    ),
    reply="""\
```python
import re


def solve(text: str) -> str:
    # Rule: the answer is the four-digit year, found anywhere in the text by its shape,
    # whatever the instruction's wording or the message layout; "" when there is none.
    match = re.search(r"\\b(1[89]\\d\\d|20\\d\\d)\\b", text)
    return match.group(1) if match else ""
```""",
)
"""An extraction task whose answer is found by its shape anywhere in the text (issue 15's probe:
it stopped the copying of split-on-separator parsing), abstaining when nothing matches."""

TOTAL_DEMO = Demonstration(
    name="total",
    formats=("numeric", "exact"),
    examples=(
        ("What is the balance? Credit 12.50, debit -3, fee 1,000.25", "1009.75"),
        ("Add up the amounts.\n- coffee: 4\n- cake: 3.5", "7.50"),
        ("Sum the numbers in this note: (nothing yet)", ""),
    ),
    reply="""\
```python
import re


def solve(text: str) -> str:
    # Rule: add every amount; amounts may be negative, have decimals or thousands commas.
    amounts = re.findall(r"-?\\d[\\d,]*(?:\\.\\d+)?", text)
    if not amounts:
        return ""
    total = sum(float(amount.replace(",", "")) for amount in amounts)
    return f"{total:.2f}"
```""",
)
"""A numeric task: numbers with signs, decimals and thousands separators, a formatted result."""

CHOICE_DEMO = Demonstration(
    name="choice",
    formats=("choice", "label", "yesno"),
    examples=(
        ("Which option is the largest?\nOptions:\n(A) 12\n(B) 7\n(C) 30", "(C)"),
        ("Pick the biggest number. Options: (A) 5 (B) 9", "(B)"),
        ("Is 14 the largest of 14, 3 and 20? Options: (A) yes (B) no", "(B)"),
    ),
    reply="""\
```python
import re


def solve(text: str) -> str:
    # Rule: read the facts from the question, work out the answer, then return the letter of
    # the option that states it.
    options = dict(re.findall(r"\\(([A-Z])\\)\\s*([^()\\n]+)", text))
    question = text.split("Options")[0]
    numbers = [int(n) for n in re.findall(r"-?\\d+", question)]
    if all(value.strip().lstrip("-").isdigit() for value in options.values()):
        best = max(options, key=lambda letter: int(options[letter]))
        return f"({best})"
    answer = "yes" if numbers and numbers[0] == max(numbers) else "no"
    for letter, value in options.items():
        if value.strip() == answer:
            return f"({letter})"
    return ""
```""",
)
"""A multiple-choice task: work out the answer, then map it to its option letter."""

YESNO_DEMO = Demonstration(
    name="yesno",
    formats=("yesno", "label"),
    examples=(
        ("Is the sum of these numbers even? 3, 5, 10", "yes"),
        ("Answer yes or no: do 7 and 4 add up to an even number?", "no"),
        ("Numbers:\n2\n-2\n2\nIs their total even?", "yes"),
    ),
    reply="""\
```python
import re


def solve(text: str) -> str:
    # Rule: add the integers found anywhere in the text; "yes" when the total is even.
    numbers = [int(n) for n in re.findall(r"-?\\d+", text)]
    if not numbers:
        return ""
    return "yes" if sum(numbers) % 2 == 0 else "no"
```""",
)
"""A decision task: compute a property of the data and answer yes or no."""

DEMONSTRATIONS: tuple[Demonstration, ...] = (
    YEAR_DEMO,
    VOWELS_DEMO,
    TOTAL_DEMO,
    CHOICE_DEMO,
    YESNO_DEMO,
)
"""The built-in demonstrations, in the order that breaks ties in :func:`rank_demonstrations`."""

NO_DEMONSTRATION = "none"
"""The prompt name of a candidate asked with the contract and tests alone."""

REPAIR_WRONG_TEMPLATE = """\
Your code gives wrong answers on {count} of {total} examples, for instance:

{failures}
Find the mistake and reply with the corrected complete code in one ```python block."""

REPAIR_NO_ANSWER_TEMPLATE = """\
Your code returns no answer ("") on {count} of {total} examples: it does not find the data when \
the task is worded or laid out like these:

{failures}
Make it handle these wordings and layouts too, and reply with the corrected complete code in one \
```python block."""

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
            [asdict(demo) for demo in DEMONSTRATIONS],
            NO_DEMONSTRATION,
            PORTFOLIO_SLOTS,
            EXAMPLE_TEMPLATE,
            REPAIR_WRONG_TEMPLATE,
            REPAIR_NO_ANSWER_TEMPLATE,
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


PORTFOLIO_SLOTS: tuple[str, ...] = ("demo", NO_DEMONSTRATION, "store", "demo", "demo")
"""The default mix of prompts, one slot per candidate, cycled: the best-ranked built-in
demonstration, no demonstration, the most similar verified skill from the store, then the
next two built-ins. A slot with nothing to fill it (an empty store) is skipped."""


@dataclass(frozen=True)
class PromptChoice:
    """The prompt one candidate gets: ``name`` is recorded with the candidate (``demo:year``,
    ``store:email@2``, ``none``); ``demonstration`` is None for the prompt without one."""

    name: str
    demonstration: Demonstration | None


def similarity(demonstration: Demonstration, examples: Sequence[Labelled]) -> float:
    """Jaccard overlap of the words of a demonstration's tests and of the shown examples: a
    cheap, model-free way to prefer a demonstration that looks like the task."""
    theirs = _words(" ".join(f"{text} {answer}" for text, answer in demonstration.examples))
    ours = _words(" ".join(f"{e.input} {e.target}" for e in examples))
    return len(theirs & ours) / len(theirs | ours) if theirs | ours else 0.0


def rank_demonstrations(
    demonstrations: Sequence[Demonstration], examples: Sequence[Labelled], answer_format: str
) -> list[Demonstration]:
    """Demonstrations suited to ``answer_format`` first, then the most similar to the examples;
    the given order breaks ties."""
    order = {id(demo): i for i, demo in enumerate(demonstrations)}
    return sorted(
        demonstrations,
        key=lambda d: (answer_format not in d.formats, -similarity(d, examples), order[id(d)]),
    )


def portfolio(
    examples: Sequence[Labelled],
    answer_format: str,
    from_store: Sequence[Demonstration] = (),
) -> list[PromptChoice]:
    """The prompts candidates cycle through (:data:`PORTFOLIO_SLOTS`), each prompt once.

    ``from_store`` are demonstrations made from verified skills (see
    :func:`~self_distill.skills.creation.run.store_demonstrations`); the most similar fills the
    store slot.
    """
    built_in = iter(rank_demonstrations(DEMONSTRATIONS, examples, answer_format))
    stored = rank_demonstrations(from_store, examples, answer_format)[:1]
    choices: list[PromptChoice] = []
    for slot in PORTFOLIO_SLOTS:
        if slot == NO_DEMONSTRATION:
            choices.append(PromptChoice(NO_DEMONSTRATION, None))
        elif slot == "store" and stored:
            choices.append(PromptChoice(stored[0].name, stored[0]))
        elif slot == "demo":
            demo = next(built_in, None)
            if demo is not None:
                choices.append(PromptChoice(f"demo:{demo.name}", demo))
    return choices


def create_messages(
    examples: Sequence[Labelled],
    demonstration: Demonstration | None = VOWELS_DEMO,
    *,
    max_chars: int = 600,
) -> list[Message]:
    """The first prompt: the worked ``demonstration`` (none when None), then the skill contract,
    allowed imports and the shown ``examples``. Candidates given the same demonstration share
    the prompt (only the seed differs), so a local model reuses its evaluated prefix.

    Each input and target is shown as a Python literal cut to ``max_chars`` characters.
    """
    messages: list[Message] = [{"role": "system", "content": SYSTEM_PROMPT}]
    if demonstration is not None:
        demo = [LabelledPair(text, answer) for text, answer in demonstration.examples]
        messages += [
            {"role": "user", "content": _task_prompt(demo, max_chars)},
            {"role": "assistant", "content": demonstration.reply},
        ]
    return [*messages, {"role": "user", "content": _task_prompt(examples, max_chars)}]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]{3,}", text.lower()))


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


def repair_no_answer_messages(
    base: Sequence[Message],
    reply: str,
    unanswered: Sequence[ShownFailure],
    *,
    count: int,
    total: int,
    max_chars: int = 300,
) -> list[Message]:
    """Repair prompt for code that answered nothing on ``count`` of ``total`` shown examples:
    up to three of the texts it did not read, with what they should give."""
    shown = "\n".join(
        FAILURE_TEMPLATE.format(
            input=quote(failure.input, max_chars),
            expected=quote(failure.expected, max_chars),
            got=failure.got[:max_chars],
        )
        for failure in unanswered[:MAX_REPAIR_FAILURES]
    )
    feedback = REPAIR_NO_ANSWER_TEMPLATE.format(count=count, total=total, failures=shown)
    return _continue(base, reply, feedback)
