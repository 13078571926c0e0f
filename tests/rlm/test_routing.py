"""The routing rule: too long for the window, or clearly better on the cluster's held-out tasks."""

from __future__ import annotations

from self_distill.rlm.routing import RlmComparison, prefer_rlm


def test_inputs_longer_than_the_window_go_to_rlm() -> None:
    assert prefer_rlm(16_000, 4096)
    assert not prefer_rlm(1_000, 4096)
    assert not prefer_rlm(1_000_000, None)


def test_a_cluster_goes_to_rlm_only_when_it_is_clearly_better() -> None:
    assert prefer_rlm(500, 4096, RlmComparison(n=20, plain_correct=1, rlm_correct=15))
    assert not prefer_rlm(500, 4096, RlmComparison(n=20, plain_correct=8, rlm_correct=11))
    assert not prefer_rlm(500, 4096, RlmComparison(n=0, plain_correct=0, rlm_correct=0))
