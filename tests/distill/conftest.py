"""One converted student base for the whole session (the conversion takes ~20 s)."""

from __future__ import annotations

import pytest

from self_distill.distill.base import StudentBase, prepare_base


@pytest.fixture(scope="session")
def student_base(tmp_path_factory: pytest.TempPathFactory) -> StudentBase:
    return prepare_base(cache=tmp_path_factory.mktemp("students"))
