"""llama.cpp backend (llama-cpp-python) over any local GGUF file.

Loading a GGUF takes seconds, so loaded models are kept per (path, context size) for the life of
the process: the skill creator asks the same model hundreds of times. Models with a LoRA adapter
(students) are the exception: an agent run trains a new one every few hundred tasks and serves
only the newest, so only the last :data:`ADAPTED_MODELS_KEPT` stay loaded and older ones are
closed, or a long run would hold every student it ever trained in memory.
"""

from __future__ import annotations

import atexit
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from self_distill.config import usable_cpus
from self_distill.errors import ConfigError, ModelError, ModelFileError
from self_distill.models.base import Completion, Message, TextGenerator
from self_distill.models.pricing import FREE

DEFAULT_CONTEXT_TOKENS = 4096
ADAPTED_MODELS_KEPT = 2
"""Models with an adapter kept loaded: the student serving the agent and the one being judged."""

_LoadKey = tuple[str, int, int, str | None, bool]
_BASE_MODELS: dict[_LoadKey, Any] = {}
_ADAPTED_MODELS: OrderedDict[_LoadKey, Any] = OrderedDict()


def default_threads() -> int:
    """All usable cores but never more than 8: llama.cpp gains little beyond that on CPU."""
    return max(1, min(8, usable_cpus()))


def configured_threads() -> int:
    """The ``llama_threads`` setting (``SELF_DISTILL_LLAMA_THREADS``), else :func:`default_threads`:
    for llama.cpp models built outside the model registry (students, the base check)."""
    from self_distill.config import load_settings

    return load_settings().llama_threads or default_threads()


def load_llama(
    path: str,
    n_ctx: int,
    n_threads: int,
    *,
    lora_path: str | None = None,
    logits_all: bool = False,
) -> Any:
    """The loaded model, once per set of arguments: ``lora_path`` applies a GGUF LoRA adapter
    (a student), ``logits_all`` keeps every position's logits (the base-consistency check).
    Loading an adapter beyond the last :data:`ADAPTED_MODELS_KEPT` closes the least recently
    used one."""
    key = (path, n_ctx, n_threads, lora_path, logits_all)
    if lora_path is None:
        if key not in _BASE_MODELS:
            _BASE_MODELS[key] = _open_llama(*key)
        return _BASE_MODELS[key]
    if key in _ADAPTED_MODELS:
        _ADAPTED_MODELS.move_to_end(key)
        return _ADAPTED_MODELS[key]
    llama = _open_llama(*key)
    _ADAPTED_MODELS[key] = llama
    while len(_ADAPTED_MODELS) > ADAPTED_MODELS_KEPT:
        _, oldest = _ADAPTED_MODELS.popitem(last=False)
        oldest.close()
    return llama


@atexit.register
def _close_models() -> None:
    """Free every kept model while the interpreter is intact (llama.cpp's own finaliser fails
    at shutdown)."""
    for llama in [*_BASE_MODELS.values(), *_ADAPTED_MODELS.values()]:
        llama.close()


def _open_llama(
    path: str, n_ctx: int, n_threads: int, lora_path: str | None, logits_all: bool
) -> Any:
    try:
        from llama_cpp import Llama
    except ImportError as error:
        raise ModelError(
            "llama-cpp-python is not installed; run `make run` or "
            "`pip install llama-cpp-python` (it compiles from source)"
        ) from error
    try:
        llama = Llama(
            model_path=path,
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_threads_batch=n_threads,
            verbose=False,
            seed=0,
            lora_path=lora_path,
            logits_all=logits_all,
        )
    except (ValueError, RuntimeError) as error:
        what = f"{path} with the adapter {lora_path}" if lora_path else path
        raise ModelFileError(
            f"llama.cpp cannot load {what}: {error}; check that the files are complete GGUF "
            "files made for each other"
        ) from error
    return llama


class LlamaCppGenerator(TextGenerator):
    """Chat completion with a local GGUF model through llama.cpp's chat template."""

    def __init__(
        self,
        path: Path | str,
        spec: str | None = None,
        *,
        n_ctx: int = DEFAULT_CONTEXT_TOKENS,
        n_threads: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.spec = spec or f"llamacpp:{self.path}"
        if not self.path.is_file():
            raise ModelFileError(
                f"model file {self.path} does not exist; check the path in the spec {self.spec!r}"
            )
        self.n_ctx = n_ctx
        if n_threads is not None and not 1 <= n_threads <= usable_cpus():
            raise ConfigError(
                f"{self.spec}: n_threads = {n_threads}; use 1 to the {usable_cpus()} CPUs of this "
                "machine (llama.cpp crashes when asked for far more threads than exist)"
            )
        self.n_threads = n_threads or default_threads()

    def count_tokens(self, text: str) -> int:
        """How many tokens the model's tokenizer makes of ``text`` (loads the model once)."""
        llama = load_llama(str(self.path), self.n_ctx, self.n_threads)
        return len(llama.tokenize(text.encode("utf-8", "replace"), add_bos=False, special=False))

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = 0,
        stop: list[str] | tuple[str, ...] | None = None,
    ) -> Completion:
        llama = load_llama(str(self.path), self.n_ctx, self.n_threads)
        started = time.perf_counter()
        try:
            response = llama.create_chat_completion(
                messages=list(messages),
                max_tokens=max_tokens,
                temperature=temperature,
                seed=seed if seed is not None else -1,
                stop=list(stop) if stop else None,
            )
        except ValueError as error:
            raise ModelError(
                f"{self.spec} rejected the request: {error}; shorten the prompt or lower max_tokens"
            ) from error
        latency = time.perf_counter() - started
        usage = response.get("usage") or {}
        text = response["choices"][0]["message"].get("content") or ""
        input_tokens = int(usage.get("prompt_tokens", 0))
        output_tokens = int(usage.get("completion_tokens", 0))
        return Completion(
            text=text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_s=latency,
            cost_usd=FREE.cost(input_tokens, output_tokens),
            model=self.spec,
        )
