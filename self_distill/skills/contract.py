"""The skill contract: what a model-written skill module must define.

A skill is a small Python module::

    def solve(text: str) -> str      # required: the answer, in the task's answer format
    def applies(text: str) -> bool   # optional: a narrower trigger than the cluster

It runs only in the sandbox, which offers a curated set of imports as safe namespaces; the
creator prompts for this contract and the verifier checks it (``contract`` reason code).
"""

ENTRY_POINT = "solve"
"""The function that answers a task."""

TRIGGER = "applies"
"""The optional function that says whether the skill wants a task."""
