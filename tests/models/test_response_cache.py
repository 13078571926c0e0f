"""The response cache: hits, misses, and requests that must not be cached."""

from __future__ import annotations

from pathlib import Path

from self_distill.models.cache import CachingGenerator, ResponseCache
from tests.support.scripted_model import ScriptedFakeModel

MESSAGES = [{"role": "user", "content": "hello there"}]


def make(tmp_path: Path) -> tuple[ScriptedFakeModel, CachingGenerator]:
    inner = ScriptedFakeModel(["first answer", "second answer", "third answer"])
    return inner, CachingGenerator(inner, ResponseCache(tmp_path / "cache.sqlite3"))


def test_same_request_is_served_from_cache_without_a_model_call(tmp_path: Path) -> None:
    inner, cached = make(tmp_path)
    miss = cached.complete(MESSAGES, max_tokens=10, seed=1)
    hit = cached.complete(MESSAGES, max_tokens=10, seed=1)
    assert len(inner.calls) == 1
    assert (miss.cached, hit.cached) == (False, True)
    assert hit.text == miss.text == "first answer"
    assert hit.cost_usd == 0.0


def test_any_parameter_change_is_a_miss(tmp_path: Path) -> None:
    inner, cached = make(tmp_path)
    cached.complete(MESSAGES, max_tokens=10, seed=1)
    cached.complete(MESSAGES, max_tokens=11, seed=1)
    cached.complete(MESSAGES, max_tokens=10, seed=2)
    cached.complete(MESSAGES, max_tokens=10, seed=1, stop=["\n"])
    assert len(inner.calls) == 4


def test_unseeded_sampling_is_never_cached(tmp_path: Path) -> None:
    inner, cached = make(tmp_path)
    first = cached.complete(MESSAGES, temperature=0.7, seed=None)
    second = cached.complete(MESSAGES, temperature=0.7, seed=None)
    assert len(inner.calls) == 2
    assert first.text != second.text


def test_cache_survives_reopening(tmp_path: Path) -> None:
    _, cached = make(tmp_path)
    cached.complete(MESSAGES, seed=5)
    reopened = CachingGenerator(
        ScriptedFakeModel(["other"]), ResponseCache(tmp_path / "cache.sqlite3")
    )
    assert reopened.complete(MESSAGES, seed=5).text == "first answer"
