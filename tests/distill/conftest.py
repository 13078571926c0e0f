"""The converted student base, shared like the assembled models (its conversion takes ~20 s)."""

from __future__ import annotations

import pytest

from self_distill.distill.base import StudentBase, prepare_base


@pytest.fixture(scope="session")
def student_base() -> StudentBase:
    return prepare_base()
