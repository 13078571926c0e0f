"""Skill creation: a model writes candidate code from shown examples, the sandbox tests it,
failures may be repaired, and the verifier (which alone holds the held-out examples) decides.

``prompts`` (versioned templates), ``extraction`` (code out of a reply), ``missing_imports``,
``records`` (budgets, attempts, candidates, results), ``creator`` (``SkillCreator``) and ``run``
(``run_creation``: ledger, sandbox, creator, verifier and store wired once).
"""
