"""Lift an RLM trajectory that answered correctly into a skill candidate ``solve(text)``.

The cells that ran without error, up to the one that called ``FINAL``, become the body of
``solve`` with ``context = text``; ``FINAL`` records the first answer and ``FINAL_VAR("x")``
becomes ``FINAL(x)``. The host only parses the cells (``ast``), never runs them. A candidate with
no ``llm_query``/``rlm_query`` left is plain code: it goes to the verifier like any candidate and,
accepted, answers at 0 tokens. One that still calls them is *hybrid*: its sub-calls need a model
(:func:`self_distill.rlm.hybrid.judge_hybrid`).
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass

from self_distill.rlm.engine import SUB_CALL_FUNCTIONS
from self_distill.rlm.trajectory import Trajectory

PRELUDE = """\
import json


def solve(text):
    context = text
    final_answers = []

    def FINAL(value):
        if not final_answers:
            final_answers.append(value)

"""
EPILOGUE = """
    if not final_answers:
        return ""
    answer = final_answers[0]
    return answer if isinstance(answer, str) else json.dumps(answer)
"""


@dataclass(frozen=True)
class LiftedCandidate:
    """Skill code made from a trajectory; ``hybrid`` when sub-calls remain in it."""

    code: str
    hybrid: bool
    cells: int


class _FinalVar(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if (
            isinstance(node.func, ast.Name)
            and node.func.id == "FINAL_VAR"
            and len(node.args) == 1
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and node.args[0].value.isidentifier()
        ):
            return ast.Call(
                ast.Name("FINAL", ast.Load()), [ast.Name(node.args[0].value, ast.Load())], []
            )
        return node


def lift_trajectory(trajectory: Trajectory) -> LiftedCandidate | None:
    """The candidate for a trajectory whose answer was set by code; None otherwise."""
    if trajectory.answer_source != "final":
        return None
    kept: list[str] = []
    for cell in trajectory.cells():
        if cell.restarted:
            kept = []
        if cell.ok or cell.final:
            kept.append(cell.code)
        if cell.final:
            break
    else:
        return None
    body: list[str] = []
    hybrid = False
    for code in kept:
        try:
            tree = _FinalVar().visit(ast.parse(code))
        except (SyntaxError, RecursionError, ValueError):
            return None
        hybrid = hybrid or any(
            isinstance(node, ast.Name) and node.id in SUB_CALL_FUNCTIONS for node in ast.walk(tree)
        )
        ast.fix_missing_locations(tree)
        body.append(ast.unparse(tree))
    source = PRELUDE + textwrap.indent("\n".join(body), " " * 4) + "\n" + EPILOGUE
    return LiftedCandidate(source, hybrid, len(kept))
