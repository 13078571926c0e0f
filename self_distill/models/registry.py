"""Turn a spec string into a generator: ``backend:name``.

Specs: ``embedded:smollm2-135m``, ``embedded:qwen2.5-coder-1.5b``, ``llamacpp:/path/model.gguf``,
``ollama:<name>``, ``anthropic:<model-id>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from self_distill.config import Settings, load_settings
from self_distill.errors import ModelFileError, UnknownModelSpecError
from self_distill.models.base import TextGenerator
from self_distill.models.cache import CachingGenerator, ResponseCache
from self_distill.models.input_limit import InputLimitedGenerator
from self_distill.models.pricing import Price

BACKENDS = ("embedded", "llamacpp", "ollama", "anthropic")


@dataclass(frozen=True)
class ModelSpec:
    backend: str
    name: str

    def __str__(self) -> str:
        return f"{self.backend}:{self.name}"


def parse_spec(spec: str) -> ModelSpec:
    backend, sep, name = spec.partition(":")
    if not sep or backend not in BACKENDS or not name:
        raise UnknownModelSpecError(
            f"unknown model spec {spec!r}; use one of embedded:smollm2-135m, "
            "embedded:qwen2.5-coder-1.5b, llamacpp:/path/model.gguf, ollama:<name>, "
            "anthropic:<model-id> (see `self-distill models list`)"
        )
    return ModelSpec(backend, name)


def build_generator(spec: str, settings: Settings | None = None) -> TextGenerator:
    """The backend for ``spec`` behind the prompt-length cap, without caching."""
    settings = settings or load_settings()
    return InputLimitedGenerator(_backend(spec, settings), settings.max_input_chars)


def _backend(spec: str, settings: Settings) -> TextGenerator:
    parsed = parse_spec(spec)
    threads = settings.llama_threads or None
    if parsed.backend == "embedded":
        from self_distill.models.embedded import resolve_embedded_path
        from self_distill.models.llamacpp_backend import LlamaCppGenerator

        return LlamaCppGenerator(resolve_embedded_path(parsed.name), spec, n_threads=threads)
    if parsed.backend == "llamacpp":
        from self_distill.models.llamacpp_backend import LlamaCppGenerator

        path = Path(parsed.name).expanduser()
        if path.suffix.lower() != ".gguf":
            raise ModelFileError(f"{spec}: llamacpp: expects a path to a .gguf file")
        return LlamaCppGenerator(path, spec, n_threads=threads)
    if parsed.backend == "ollama":
        from self_distill.models.ollama_backend import OllamaGenerator

        return OllamaGenerator(parsed.name)
    from self_distill.models.anthropic_backend import AnthropicGenerator

    overrides = {
        key.removeprefix("anthropic:"): Price(*price)
        for key, price in settings.prices.items()
        if key.startswith("anthropic:")
    }
    return AnthropicGenerator(
        parsed.name, max_retries=settings.anthropic_max_retries, price_overrides=overrides
    )


def load_model(spec: str, settings: Settings | None = None) -> TextGenerator:
    """The generator for ``spec``, behind the response cache unless the settings turn it off."""
    settings = settings or load_settings()
    generator = build_generator(spec, settings)
    if not settings.use_cache:
        return generator
    return CachingGenerator(generator, ResponseCache(settings.cache_path))
