"""dyck_close: give the brackets that close a prefix of a Dyck word.

Answer: the closing brackets, innermost first, separated by single spaces (the BIG-Bench-Hard
dyck_languages convention), e.g. ``] ) }``. The instruction texts contain no bracket characters,
so every bracket in the input belongs to the sequence.
"""

from __future__ import annotations

import random

from self_distill.tasks.generators.base import Family, Sample

PAIRS: tuple[tuple[str, str], ...] = (("(", ")"), ("[", "]"), ("{", "}"), ("<", ">"))
CLOSER = dict(PAIRS)

# difficulty -> (bracket types, min length, max length, max depth)
_KNOBS = {"easy": (2, 3, 6, 3), "medium": (3, 6, 14, 5), "hard": (4, 12, 30, 8)}

TEMPLATES: tuple[str, ...] = (
    "Complete the rest of the sequence, making sure that the parentheses are closed properly. "
    "Input: {seq}",
    "Close all open brackets in this sequence. Answer with only the closing brackets, separated "
    "by spaces.\nSequence: {seq}",
    "Here is the start of a bracket sequence: {seq}\nWhich closing brackets finish it?",
    "Finish the bracket string so that every bracket is matched: {seq}",
    "Which brackets must follow to balance this? {seq}",
)


def make(rng: random.Random, difficulty: str, label: str | None) -> Sample:
    """A random walk over opens and closes that ends with at least one bracket still open."""
    types, low, high, max_depth = _KNOBS[difficulty]
    openers = [opener for opener, _ in PAIRS[:types]]
    length = rng.randint(low, high)
    sequence: list[str] = []
    stack: list[str] = []
    for _ in range(length):
        if not stack or (len(stack) < max_depth and rng.random() < 0.55):
            opener = rng.choice(openers)
            sequence.append(opener)
            stack.append(opener)
        else:
            sequence.append(CLOSER[stack.pop()])
    if not stack:
        opener = rng.choice(openers)
        sequence.append(opener)
        stack.append(opener)
    template = rng.randrange(len(TEMPLATES))
    target = " ".join(CLOSER[opener] for opener in reversed(stack))
    return Sample(
        TEMPLATES[template].format(seq=" ".join(sequence)),
        target,
        {"template": template, "length": len(sequence), "open": len(stack)},
    )


FAMILY = Family(
    name="dyck_close",
    description="Close a prefix of a bracket sequence (up to 4 bracket types).",
    answer_format="exact",
    answer_doc="the closing brackets, innermost first, separated by single spaces",
    knobs={
        "easy": "2 bracket types, 3-6 symbols, depth <= 3",
        "medium": "3 bracket types, 6-14 symbols, depth <= 5",
        "hard": "4 bracket types, 12-30 symbols, depth <= 8",
    },
    make=make,
)
