"""The sandbox's ``eval``: arithmetic on number literals agrees with Python, anything else fails."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from self_distill.sandbox.arithmetic import (
    MAX_EXPRESSION_CHARS,
    MAX_INTEGER_BITS,
    evaluate_arithmetic,
)
from self_distill.sandbox.policy import compile_code, restricted_globals

_literals = st.integers(min_value=-999, max_value=999).map(lambda n: f"({n})" if n < 0 else str(n))


def _expressions(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda left, op, right: f"({left} {op} {right})",
        children,
        st.sampled_from(["+", "-", "*"]),
        children,
    )


_arithmetic = st.recursive(_literals, _expressions, max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(_arithmetic)
def test_integer_arithmetic_matches_python(expression: str) -> None:
    assert evaluate_arithmetic(expression) == eval(expression)  # the oracle


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("  6 + 11 ", 17),
        ("((-26) - 4) + 7", -23),
        ("-3 * -(2)", 6),
        ("7 / 2", 3.5),
        ("7 // 2", 3),
        ("7 % 3", 1),
        ("2 ** 10", 1024),
        ("1.5 * 4", 6.0),
        ("1 ** 100000", 1),
    ],
)
def test_operators_and_literals(expression: str, value: float) -> None:
    result = evaluate_arithmetic(expression)
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('id')",
        "(1).__class__",
        "x + 1",
        "'a' * 3",
        "[1, 2]",
        "1 < 2",
        "True + 1",
        "abs(-1)",
        "lambda: 1",
        "1 if 2 else 3",
        "3 & 1",
        "1j * 2",
        "",
        "1 +",
    ],
)
def test_everything_but_arithmetic_is_refused(expression: str) -> None:
    with pytest.raises(ValueError, match="arithmetic"):
        evaluate_arithmetic(expression)


def test_sizes_are_bounded_before_work_is_done() -> None:
    with pytest.raises(OverflowError):
        evaluate_arithmetic("9 ** 9 ** 9")
    with pytest.raises(OverflowError):
        evaluate_arithmetic(f"2 ** {MAX_INTEGER_BITS + 1}")
    with pytest.raises(ValueError, match="at most"):
        evaluate_arithmetic("1" * (MAX_EXPRESSION_CHARS + 1))
    with pytest.raises(ZeroDivisionError):
        evaluate_arithmetic("1 / 0")


def test_python_eval_signature_is_accepted_and_namespaces_ignored() -> None:
    assert evaluate_arithmetic("2 * 3", {"__builtins__": None}, {"x": 1}) == 6
    with pytest.raises(TypeError):
        evaluate_arithmetic(b"1 + 1")


def test_skill_code_calls_eval_directly_by_alias_and_with_star_args() -> None:
    code = (
        "import re\n"
        "def solve(text):\n"
        "    expression = re.search(r'[-\\d\\s()+*]+[\\d)]', text).group(0)\n"
        "    run = eval\n"
        "    return str(eval(expression)), str(run(expression)), str(eval(*[expression]))\n"
    )
    namespace = restricted_globals()
    exec(compile_code(code), namespace)
    assert namespace["solve"]("Please work out ((-26) - 4) + 7.") == ("-23", "-23", "-23")
