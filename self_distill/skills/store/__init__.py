"""The skill store: one folder per skill version on disk (``skill_store``), the manifest beside
each (``manifest``), and judging a stored version again (``reverification``)."""
