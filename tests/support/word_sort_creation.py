"""Shared pieces of the skill-creation tests: a scripted reply holding a correct word_sort skill,
and a creation request over generated word_sort tasks."""

from __future__ import annotations

from self_distill.skills.creation.records import CreationBudget
from self_distill.skills.creation.run import CreationRequest
from self_distill.skills.examples import split_examples
from self_distill.skills.verification.config import VerifierConfig
from self_distill.tasks import generate

SORT_SKILL_REPLY = (
    "```python\nimport re\n\n\ndef solve(text: str) -> str:\n"
    '    data = re.split(r"[:\\n]", text)[-1]\n'
    '    return " ".join(sorted(re.findall(r"[A-Za-z]+", data)))\n```'
)
"""A model reply whose code sorts the words of any word_sort task correctly."""


def word_sort_request(
    budget: CreationBudget,
    *,
    count: int,
    seed: int,
    n_shown: int,
    max_heldout: int,
    verifier: VerifierConfig | None = None,
) -> CreationRequest:
    """A request for skill ``word-sort`` over ``count`` generated tasks, split with ``seed``."""
    data = split_examples(
        generate("word_sort", count, seed=seed),
        n_shown=n_shown,
        max_heldout=max_heldout,
        seed=seed,
        source="test",
    )
    return CreationRequest(
        skill_id="word-sort",
        shown=data.shown,
        heldout=data.heldout,
        answer_format=data.answer_format,
        family="word_sort",
        budget=budget,
        verifier=verifier or VerifierConfig(),
    )
