"""Pull skill code out of a model's reply, robustly.

Models wrap code in fences (with or without a language tag, sometimes unterminated when the token
limit cut them off), paste a bare function after some prose, or answer in prose only. This module
turns any of those into module source for the sandbox, or into a recorded failure with a reason:
a reply without code is data for the repair prompt, never a crash.

Top-level statements that would run at import time and are not definitions (``print(solve(...))``
demos, ``if __name__ == "__main__":`` blocks, loops) are removed, so a skill module only defines
things. Code that does not parse is passed on unchanged: the sandbox reports the syntax error,
which is exactly what a repair prompt needs.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Literal

from self_distill.skills.contract import ENTRY_POINT

_FENCE = re.compile(
    r"^[ \t]*(```|~~~)[ \t]*([\w+.-]*)[^\n]*\n"  # opening fence and its language tag
    r"(.*?)"  # the body
    r"(?:^[ \t]*\1[ \t]*$|\Z)",  # the closing fence, or the end of a reply cut short
    re.M | re.S,
)
_PYTHON_TAGS = frozenset({"", "python", "py", "python3", "py3"})
_CODE_START = re.compile(r"^(?:import \w|from [\w.]+ import |def \w|class \w|@\w)")
_KEPT_STATEMENTS = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AnnAssign,
)

ExtractionMethod = Literal["fenced", "bare", "none"]


@dataclass(frozen=True)
class Extraction:
    """The code found in a reply, how it was found, and what is wrong when nothing usable was.

    ``code`` is None only when the reply holds no code at all (``method == "none"``); ``problem``
    then says why in words fit for a repair prompt.
    """

    code: str | None
    method: ExtractionMethod
    problem: str | None = None

    @property
    def found(self) -> bool:
        return self.code is not None


def extract_code(reply: str) -> Extraction:
    """The skill module in ``reply``: the last Python block that defines ``solve``, else the last
    Python block, else a bare function in the prose; a prose-only reply gives ``method="none"``."""
    blocks = [
        body
        for _, tag, body in _FENCE.findall(reply)
        if tag.lower() in _PYTHON_TAGS and body.strip()
    ]
    if blocks:
        defining = [block for block in blocks if _defines_entry_point(block)]
        return Extraction(_strip_demo_code((defining or blocks)[-1]), "fenced")
    bare = _bare_code(reply)
    if bare is not None:
        return Extraction(_strip_demo_code(bare), "bare")
    return Extraction(
        None,
        "none",
        f"the reply contains no Python code; it must contain `def {ENTRY_POINT}(text: str) -> str` "
        "in a ```python block",
    )


def _defines_entry_point(source: str) -> bool:
    return re.search(rf"^def {ENTRY_POINT}\s*\(", source, re.M) is not None


def _bare_code(reply: str) -> str | None:
    """Code pasted without fences: from the first line that starts a definition or import, cut
    back line by line from the end until it parses (prose after the code is common)."""
    lines = reply.splitlines()
    start = next((i for i, line in enumerate(lines) if _CODE_START.match(line)), None)
    if start is None:
        return None
    region = lines[start:]
    if not _defines_entry_point("\n".join(region)):
        return None
    for end in range(len(region), 0, -1):
        candidate = "\n".join(region[:end]).rstrip() + "\n"
        if _parses(candidate) and _defines_entry_point(candidate):
            return candidate
    return "\n".join(region).rstrip() + "\n"


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True


def _strip_demo_code(source: str) -> str:
    """Drop top-level statements other than imports, definitions and constant assignments, with
    the comment lines right above them ("# Example usage"). Module docstrings stay. Unparseable
    source is returned unchanged (after trimming)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return source.strip("\n") + "\n"
    lines = source.splitlines()
    dropped: set[int] = set()
    for index, node in enumerate(tree.body):
        is_docstring = (
            index == 0
            and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        )
        if isinstance(node, _KEPT_STATEMENTS) or is_docstring:
            continue
        first = node.lineno - 1
        while first > 0 and lines[first - 1].lstrip().startswith("#"):
            first -= 1
        dropped.update(range(first, node.end_lineno or node.lineno))
    kept = [line for number, line in enumerate(lines) if number not in dropped]
    return "\n".join(kept).strip("\n") + "\n"
