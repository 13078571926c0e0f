"""Skill verification: a skill is guilty until proven useful.

``verifier`` runs a skill in the sandbox on shown and held-out examples and hands the results to
the plain functions in ``checks``; ``verdict`` holds the decision with reason codes; ``config``
every threshold; ``record`` the ``verification.json`` written beside a stored skill.
"""
