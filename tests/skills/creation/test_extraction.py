"""Code extraction from model replies: fences, bare code, prose only, demo code removal."""

from __future__ import annotations

import ast

from hypothesis import given, settings
from hypothesis import strategies as st

from self_distill.skills.creation.extraction import extract_code

SOLVE = "def solve(text: str) -> str:\n    return text.upper()\n"


def test_fenced_python_block_inside_prose() -> None:
    reply = f"The rule: upper-case it.\n\n```python\nimport re\n\n{SOLVE}```\nHope this helps!"
    extraction = extract_code(reply)
    assert extraction.method == "fenced"
    assert extraction.code == f"import re\n\n{SOLVE}"
    assert extraction.problem is None


def test_fence_without_language_tag_and_tilde_fences() -> None:
    assert extract_code(f"```\n{SOLVE}```").code == SOLVE
    assert extract_code(f"~~~py\n{SOLVE}~~~").code == SOLVE


def test_unterminated_fence_cut_by_the_token_limit_is_still_used() -> None:
    extraction = extract_code(f"Rule.\n```python\n{SOLVE}")
    assert extraction.method == "fenced"
    assert extraction.code == SOLVE


def test_last_block_defining_solve_wins_and_other_languages_are_ignored() -> None:
    first = "def solve(text: str) -> str:\n    return text\n"
    helper = "def helper(x):\n    return x\n"
    reply = (
        f"```python\n{first}```\nBetter:\n```python\n{SOLVE}```\n"
        f"```python\n{helper}```\n```bash\npython skill.py\n```"
    )
    assert extract_code(reply).code == SOLVE


def test_python_block_without_solve_is_still_returned_for_the_sandbox_to_judge() -> None:
    code = "def sort_words(text):\n    return text\n"
    extraction = extract_code(f"```python\n{code}```")
    assert extraction.code == code
    assert extraction.method == "fenced"


def test_bare_function_after_prose_with_trailing_prose_cut_off() -> None:
    reply = f"Here is the function:\nimport re\n{SOLVE}\nThis sorts the words as required."
    extraction = extract_code(reply)
    assert extraction.method == "bare"
    assert extraction.code == f"import re\n{SOLVE}"


def test_prose_only_reply_is_a_recorded_failure() -> None:
    extraction = extract_code("The rule is to sort the words alphabetically and join them.")
    assert not extraction.found
    assert extraction.method == "none"
    assert extraction.code is None
    assert extraction.problem is not None and "def solve" in extraction.problem


def test_empty_reply_and_empty_block_are_failures() -> None:
    assert not extract_code("").found
    assert not extract_code("```python\n\n```").found


def test_demo_code_at_module_level_is_removed() -> None:
    code = (
        '"""Sorts words."""\n'
        "import re\n"
        "WORD = re.compile(r'\\w+')\n\n"
        f"{SOLVE}\n"
        "# Example usage\n"
        "print(solve('b a'))\n"
        "if __name__ == '__main__':\n"
        "    print(solve(input()))\n"
        "for case in ['x']:\n"
        "    solve(case)\n"
    )
    extraction = extract_code(f"```python\n{code}```")
    assert extraction.code is not None
    tree = ast.parse(extraction.code)
    kinds = [type(node).__name__ for node in tree.body]
    assert kinds == ["Expr", "Import", "Assign", "FunctionDef"]
    assert "Example usage" not in extraction.code
    assert "print" not in extraction.code


def test_code_that_does_not_parse_is_passed_on_unchanged() -> None:
    broken = "def solve(text: str) -> str:\n    return (text\n"
    assert extract_code(f"```python\n{broken}```").code == broken


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_extraction_never_raises_on_arbitrary_replies(reply: str) -> None:
    extraction = extract_code(reply)
    assert (extraction.code is None) == (extraction.method == "none")


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="`~"), max_size=200))
def test_fenced_solve_survives_any_surrounding_prose(prose: str) -> None:
    extraction = extract_code(f"{prose}\n```python\n{SOLVE}```\n{prose}")
    assert extraction.code == SOLVE
