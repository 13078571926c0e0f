"""Shared CLI output: the missing-sandbox-layer warning."""

from __future__ import annotations

import pytest

from self_distill.cli.output import warn_missing_layers


def test_each_missing_layer_gets_a_warning_line_with_its_reason_verbatim(
    capsys: pytest.CaptureFixture[str],
) -> None:
    warn_missing_layers({"landlock": "needs [bold] kernel 5.13", "seccomp": "no libseccomp"})
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert lines == [
        "warning: running without the landlock sandbox layer: needs [bold] kernel 5.13",
        "warning: running without the seccomp sandbox layer: no libseccomp",
    ]


def test_no_missing_layer_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    warn_missing_layers({})
    assert capsys.readouterr() == ("", "")
