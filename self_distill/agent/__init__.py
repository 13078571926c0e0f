"""The agent: routes a live stream through verified skills, students and the model, learns
skills online where they pay, watches them for drift, and keeps its journal in the ledger.

``Agent`` (``agent.py``), the tiers (``router.py``), the decisions as plain functions
(``policy.py``), the settings (``config.py``) and a run's figures (``summary.py``).
"""
