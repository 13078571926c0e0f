"""arith: evaluate a multi-step integer expression with parentheses.

Answer: the integer value, e.g. ``-42``. Expressions use ``+``, ``-`` and ``*`` on integers
(negative literals are written in parentheses, "(-7)"), so every value is an exact integer; no
single multiplication yields more than 100,000 in magnitude, so answers stay human-sized.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from self_distill.tasks.generators.base import Family, Sample

_PRECEDENCE = {"+": 1, "-": 1, "*": 2}
_LARGEST_PRODUCT = 100_000

# difficulty -> (operand range, largest operand, operators, negative literal share, extra parens)
_KNOBS = {
    "easy": ((2, 3), 20, "+-", 0.0, 0.0),
    "medium": ((3, 5), 50, "+-*", 0.1, 0.2),
    "hard": ((5, 8), 200, "+-*", 0.25, 0.35),
}

TEMPLATES: tuple[str, ...] = (
    "What is {expr}?",
    "Compute {expr}. Give the result as an integer.",
    "Evaluate the expression: {expr}",
    "Calculate the value of {expr} and reply with just the number.",
    "{expr} = ?",
    "Please work out {expr}.",
)


@dataclass(frozen=True)
class _Node:
    value: int
    text: str
    precedence: int  # 3 for literals and parenthesised groups


def _literal(rng: random.Random, largest: int, negative_share: float) -> _Node:
    number = rng.randint(1, largest)
    if rng.random() < negative_share:
        return _Node(-number, f"(-{number})", 3)
    return _Node(number, str(number), 3)


def _wrap(node: _Node) -> _Node:
    return _Node(node.value, f"({node.text})", 3)


def _combine(left: _Node, operator: str, right: _Node, extra_parens: bool) -> _Node:
    precedence = _PRECEDENCE[operator]
    if left.precedence < precedence:
        left = _wrap(left)
    if right.precedence < precedence or (operator == "-" and right.precedence == precedence):
        right = _wrap(right)
    if operator == "+":
        value = left.value + right.value
    elif operator == "-":
        value = left.value - right.value
    else:
        value = left.value * right.value
    node = _Node(value, f"{left.text} {operator} {right.text}", precedence)
    return _wrap(node) if extra_parens else node


def make(rng: random.Random, difficulty: str, label: str | None) -> Sample:
    """A random binary tree over the operands, printed with the parentheses it needs."""
    (low, high), largest, operators, negative_share, paren_share = _KNOBS[difficulty]
    nodes = [_literal(rng, largest, negative_share) for _ in range(rng.randint(low, high))]
    while len(nodes) > 1:
        index = rng.randrange(len(nodes) - 1)
        operator = rng.choice(operators)
        if operator == "*" and abs(nodes[index].value * nodes[index + 1].value) > _LARGEST_PRODUCT:
            operator = rng.choice("+-")
        merged = _combine(
            nodes[index],
            operator,
            nodes[index + 1],
            rng.random() < paren_share and len(nodes) > 2,
        )
        nodes[index : index + 2] = [merged]
    expression = nodes[0].text
    template = rng.randrange(len(TEMPLATES))
    return Sample(
        TEMPLATES[template].format(expr=expression),
        str(nodes[0].value),
        {"template": template, "expression": expression},
    )


FAMILY = Family(
    name="arith",
    description="Multi-step integer arithmetic with +, -, * and parentheses.",
    answer_format="numeric",
    answer_doc="an integer, e.g. -42",
    knobs={
        "easy": "2-3 operands up to 20, + and - only",
        "medium": "3-5 operands up to 50, with *, some negatives and parentheses",
        "hard": "5-8 operands up to 200, nested parentheses, more negatives",
    },
    make=make,
)
