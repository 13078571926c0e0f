"""Turn a spec string into a generator: ``backend:name``.

Specs: ``embedded:smollm2-135m``, ``embedded:qwen2.5-coder-1.5b``, ``llamacpp:/path/model.gguf``,
``ollama:<name>``, ``anthropic:<model-id>``, ``openai:<model>`` (any OpenAI-compatible server).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from self_distill.config import Settings, load_settings
from self_distill.errors import ModelFileError, UnknownModelSpecError
from self_distill.models.base import TextGenerator
from self_distill.models.cache import CachingGenerator, ResponseCache
from self_distill.models.input_limit import InputLimitedGenerator
from self_distill.models.pricing import Price


@dataclass(frozen=True)
class ModelSpec:
    backend: str
    name: str

    def __str__(self) -> str:
        return f"{self.backend}:{self.name}"


BackendFactory = Callable[[ModelSpec, Settings], TextGenerator]
"""Builds the raw generator for a parsed spec; imports its client library lazily."""


def _embedded(spec: ModelSpec, settings: Settings) -> TextGenerator:
    from self_distill.models.embedded import resolve_embedded_path
    from self_distill.models.llamacpp_backend import LlamaCppGenerator

    path = resolve_embedded_path(spec.name)
    return LlamaCppGenerator(path, str(spec), n_threads=settings.llama_threads or None)


def _llamacpp(spec: ModelSpec, settings: Settings) -> TextGenerator:
    from self_distill.models.llamacpp_backend import LlamaCppGenerator

    path = Path(spec.name).expanduser()
    if path.suffix.lower() != ".gguf":
        raise ModelFileError(f"{spec}: llamacpp: expects a path to a .gguf file")
    return LlamaCppGenerator(path, str(spec), n_threads=settings.llama_threads or None)


def _ollama(spec: ModelSpec, settings: Settings) -> TextGenerator:
    from self_distill.models.ollama_backend import OllamaGenerator

    return OllamaGenerator(spec.name)


def _anthropic(spec: ModelSpec, settings: Settings) -> TextGenerator:
    from self_distill.models.anthropic_backend import AnthropicGenerator

    overrides = {
        key.removeprefix("anthropic:"): Price(*price)
        for key, price in settings.prices.items()
        if key.startswith("anthropic:")
    }
    return AnthropicGenerator(
        spec.name, max_retries=settings.anthropic_max_retries, price_overrides=overrides
    )


def _openai(spec: ModelSpec, settings: Settings) -> TextGenerator:
    from self_distill.models.openai_backend import OpenAICompatibleGenerator

    price = settings.prices.get(str(spec))
    return OpenAICompatibleGenerator(spec.name, price=Price(*price) if price else None)


BACKENDS: dict[str, BackendFactory] = {
    "embedded": _embedded,
    "llamacpp": _llamacpp,
    "ollama": _ollama,
    "anthropic": _anthropic,
    "openai": _openai,
}
"""Every backend, by spec prefix: the one table a new backend is added to."""


def parse_spec(spec: str) -> ModelSpec:
    backend, sep, name = spec.partition(":")
    if not sep or backend not in BACKENDS or not name:
        raise UnknownModelSpecError(
            f"unknown model spec {spec!r}; use one of embedded:smollm2-135m, "
            "embedded:qwen2.5-coder-1.5b, llamacpp:/path/model.gguf, ollama:<name>, "
            "anthropic:<model-id>, openai:<model> (see `self-distill models list`)"
        )
    return ModelSpec(backend, name)


def build_generator(spec: str, settings: Settings | None = None) -> TextGenerator:
    """The backend for ``spec`` behind the prompt-length cap, without caching."""
    settings = settings or load_settings()
    parsed = parse_spec(spec)
    backend = BACKENDS[parsed.backend](parsed, settings)
    return InputLimitedGenerator(backend, settings.max_input_chars)


def load_model(spec: str, settings: Settings | None = None) -> TextGenerator:
    """The generator for ``spec``, behind the response cache unless the settings turn it off."""
    settings = settings or load_settings()
    generator = build_generator(spec, settings)
    if not settings.use_cache:
        return generator
    return CachingGenerator(generator, ResponseCache(settings.cache_path))
