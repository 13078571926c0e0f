"""``eval`` for sandboxed code: arithmetic on number literals, never Python code.

Small coders answer "compute 3 * (4 - 1)" tasks by cutting the expression out of the text and
calling ``eval`` on it, and they keep doing so however the prompt forbids it. Python's ``eval``
cannot be offered (it would run any code the string holds), so skills get this evaluator under the
same name: it parses the string with :mod:`ast` and walks the tree itself, accepting only number
literals, ``+ - * / // % **`` and unary signs. Nothing is compiled or executed, no name is looked
up, and the size of every intermediate value is bounded so a string like ``9**9**9`` fails fast
instead of filling memory.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

MAX_EXPRESSION_CHARS = 10_000
"""Longer strings are refused before parsing (``ast.parse`` recursion grows with nesting)."""

MAX_INTEGER_BITS = 4096
"""Largest integer any step may produce; far beyond task answers, far below a memory problem."""

Number = int | float

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}


def evaluate_arithmetic(expression: object, *_namespaces: object) -> Number:
    """The value of ``expression``, a string of number literals, operators and parentheses.

    Extra arguments (the globals and locals Python's ``eval`` takes) are accepted and ignored:
    an arithmetic expression has no names to look up. Anything else raises ``ValueError`` (or
    ``ZeroDivisionError``/``OverflowError``, as the arithmetic itself would).
    """
    if not isinstance(expression, str):
        raise TypeError("eval() in the sandbox takes a string of arithmetic")
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ValueError(f"eval() in the sandbox takes at most {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise ValueError(f"not an arithmetic expression: {expression!r}") from error
    return _value(tree.body)


def _value(node: ast.expr) -> Number:
    if isinstance(node, ast.Constant):
        if type(node.value) not in (int, float):
            raise ValueError(_only_arithmetic(node))
        return _bounded(node.value)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _bounded(_UNARY[type(node.op)](_value(node.operand)))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, ast.Pow) and _power_too_large(left, right):
            raise OverflowError(f"integer larger than {MAX_INTEGER_BITS} bits")
        return _bounded(_BINARY[type(node.op)](left, right))
    raise ValueError(_only_arithmetic(node))


def _power_too_large(base: Number, exponent: Number) -> bool:
    """True when ``base ** exponent`` would certainly exceed the bound: checked before computing,
    since computing a huge power is itself the cost to avoid."""
    if not (isinstance(base, int) and isinstance(exponent, int)) or exponent <= 0:
        return False
    return (base.bit_length() - 1) * exponent > MAX_INTEGER_BITS


def _bounded(value: Number) -> Number:
    if isinstance(value, int) and value.bit_length() > MAX_INTEGER_BITS:
        raise OverflowError(f"integer larger than {MAX_INTEGER_BITS} bits")
    if not isinstance(value, (int, float)):
        raise ValueError("only real numbers are supported")
    return value


def _only_arithmetic(node: ast.expr) -> str:
    return (
        f"eval() in the sandbox evaluates arithmetic on numbers only, "
        f"not {type(node).__name__} ({ast.unparse(node)[:60]!r})"
    )
