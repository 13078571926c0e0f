"""Chaining candidates that abstain: the first non-empty answer wins.

Issue 15's probe found a family's candidates complementary: each read one phrasing of the
instruction and answered "" (or raised) on the others, so a chain of them answered more than any
one. :func:`compose` writes such a chain as one ordinary skill (each candidate's code wrapped in a
function of its own, so their names cannot clash); the creator runs it on the shown examples and
hands it to the verifier like any other candidate, so it earns no trust it has not shown.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from self_distill.skills.contract import ENTRY_POINT
from self_distill.skills.creation.records import CandidateRecord

MAX_COMPONENTS = 6
"""Candidates in one chain at most: each answer may run every component, within one time limit."""

CHAIN_TEMPLATE = """\
SOLVERS = [{solvers}]


def {entry}(text: str) -> str:
    # The first candidate that answers (does not raise, returns non-empty text) wins.
    for candidate in SOLVERS:
        try:
            answer = candidate(text)
        except Exception:
            continue
        if isinstance(answer, str) and answer.strip():
            return answer
    return ""
"""


def compose(codes: Sequence[str]) -> str:
    """One skill that tries each code's ``solve`` in order; the first non-empty answer wins."""
    parts = []
    for number, code in enumerate(codes):
        body = textwrap.indent(code.strip("\n"), "    ")
        parts.append(f"def candidate_{number}():\n{body}\n\n    return {ENTRY_POINT}\n")
    solvers = ", ".join(f"candidate_{number}()" for number in range(len(codes)))
    chain = CHAIN_TEMPLATE.format(solvers=solvers, entry=ENTRY_POINT)
    return "\n\n".join([*parts, chain])


def components(records: Sequence[CandidateRecord]) -> list[CandidateRecord]:
    """The candidates worth chaining, most precise first: those whose best code got at least one
    shown example right, ordered by the share of their answers that were right (a wrong answer
    ends the chain early, an abstention does not), then by shown examples right."""
    useful = [
        r for r in records if r.best is not None and r.best.shown_correct > 0 and not r.components
    ]

    def precision(record: CandidateRecord) -> tuple[float, int, int]:
        best = record.best
        assert best is not None
        answered = max(best.shown_answered, best.shown_correct, 1)
        return (-best.shown_correct / answered, -best.shown_correct, record.index)

    distinct: dict[str, CandidateRecord] = {}
    for record in sorted(useful, key=precision):
        distinct.setdefault(record.best_code or "", record)
    return list(distinct.values())[:MAX_COMPONENTS]
