"""The embedding cache: round trips, model separation, corruption is reported, not hidden."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from self_distill.errors import DataError
from self_distill.evidence import EmbeddingCache, default_embedding_cache_path, text_key


def test_text_key_is_sha256_of_utf8() -> None:
    assert text_key("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert text_key("café") != text_key("cafe")


def test_round_trip_keeps_float32_values(tmp_path: Path) -> None:
    vectors = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
    keys = [text_key(f"text {index}") for index in range(3)]
    with EmbeddingCache(tmp_path / "c.sqlite3") as cache:
        cache.put_many(zip(keys, vectors, strict=True), "model-a")
        found = cache.get_many([*keys, text_key("absent")], "model-a", 8)
    assert set(found) == set(keys)
    for key, vector in zip(keys, vectors, strict=True):
        assert found[key].dtype == np.float32
        np.testing.assert_array_equal(found[key], vector)


def test_rows_record_model_and_dimension(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with EmbeddingCache(path) as cache:
        cache.put_many([(text_key("x"), np.ones(4, np.float32))], "model-a")
    db = sqlite3.connect(path)
    rows = db.execute("SELECT model, dim, length(vector) FROM embeddings").fetchall()
    db.close()
    assert rows == [("model-a", 4, 16)]


def test_models_never_share_rows(tmp_path: Path) -> None:
    key = text_key("same text")
    with EmbeddingCache(tmp_path / "c.sqlite3") as cache:
        cache.put_many([(key, np.ones(4, np.float32))], "model-a")
        cache.put_many([(key, np.zeros(4, np.float32))], "model-b")
        assert cache.get_many([key], "model-a", 4)[key].sum() == 4
        assert cache.get_many([key], "model-b", 4)[key].sum() == 0
        assert cache.get_many([key], "model-c", 4) == {}
        assert cache.count() == 2
        assert cache.count("model-a") == 1


def test_lookup_of_many_keys_is_chunked(tmp_path: Path) -> None:
    keys = [text_key(str(index)) for index in range(1300)]
    vectors = np.arange(1300 * 2, dtype=np.float32).reshape(1300, 2)
    with EmbeddingCache(tmp_path / "c.sqlite3") as cache:
        cache.put_many(zip(keys, vectors, strict=True), "m")
        found = cache.get_many(keys, "m", 2)
    assert len(found) == 1300
    np.testing.assert_array_equal(found[keys[1299]], vectors[1299])


def test_wrong_dimension_is_an_error_not_a_silent_reshape(tmp_path: Path) -> None:
    key = text_key("x")
    with EmbeddingCache(tmp_path / "c.sqlite3") as cache:
        cache.put_many([(key, np.ones(4, np.float32))], "m")
        with pytest.raises(DataError, match=r"dimension 4.*expected 8"):
            cache.get_many([key], "m", 8)


def test_a_file_that_is_not_sqlite_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DataError, match=r"c.sqlite3 is not a SQLite database.*delete the file"):
        EmbeddingCache(path)


def test_default_path_is_in_the_data_home(private_home: Path) -> None:
    assert default_embedding_cache_path() == private_home / "embeddings.sqlite3"
    with EmbeddingCache() as cache:
        assert cache.path.parent == private_home
