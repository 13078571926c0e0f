"""The exported student served by llama.cpp: what the router's student tier runs.

The quantized base GGUF with the GGUF LoRA adapter applied through llama-cpp-python's
``lora_path``. It answers greedily from :func:`~self_distill.distill.prompt.student_prompt` and
stops at the end-of-turn token, as the torch student
(:class:`~self_distill.distill.torch_student.TorchStudent`) does, so comparing the two measures
the export and the quantized base, nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from self_distill.distill.export import read_export
from self_distill.distill.prompt import student_prompt
from self_distill.errors import ModelInputTooLongError
from self_distill.models.base import Completion
from self_distill.models.llamacpp_backend import configured_threads, load_llama
from self_distill.models.pricing import FREE

DEFAULT_MAX_TOKENS = 48
"""As many answer tokens as the router gives the model tier."""
CONTEXT_TOKENS = 2048


class LlamaStudent:
    """An exported student served by llama.cpp (0 API tokens); implements the router's
    ``Student``. Threads follow the ``llama_threads`` setting like every llama.cpp model."""

    def __init__(
        self,
        export_dir: Path,
        *,
        ref: str | None = None,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        n_ctx: int = CONTEXT_TOKENS,
    ) -> None:
        from transformers import AutoTokenizer

        self.export = read_export(export_dir)
        self.ref = ref or f"student:{export_dir}"
        self.max_tokens = max_tokens
        self.n_ctx = n_ctx
        self.n_threads = configured_threads()
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.export.tokenizer))

    def _llama(self) -> Any:
        return load_llama(
            str(self.export.base_gguf),
            self.n_ctx,
            self.n_threads,
            lora_path=str(self.export.adapter_gguf),
        )

    def completion(self, text: str) -> Completion:
        """The greedy answer to task ``text`` with its token counts and wall time; a prompt
        that leaves no room for the answer raises :class:`ModelInputTooLongError`."""
        llama = self._llama()
        prompt = student_prompt(self.tokenizer, text, self.export.system)
        prompt_tokens = len(llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))
        if prompt_tokens + self.max_tokens > self.n_ctx:
            raise ModelInputTooLongError(
                f"{self.ref}: the prompt has {prompt_tokens} tokens; with {self.max_tokens} "
                f"answer tokens it exceeds the context of {self.n_ctx}"
            )
        started = time.perf_counter()
        response = llama.create_completion(
            prompt=prompt,
            max_tokens=self.max_tokens,
            temperature=0,
            stop=[self.tokenizer.eos_token],
        )
        latency = time.perf_counter() - started
        usage = response.get("usage") or {}
        input_tokens = int(usage.get("prompt_tokens", prompt_tokens))
        output_tokens = int(usage.get("completion_tokens", 0))
        return Completion(
            text=response["choices"][0]["text"],
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_s=latency,
            cost_usd=FREE.cost(input_tokens, output_tokens),
            model=self.ref,
        )

    def answer(self, text: str) -> str | None:
        """The answer, or None (the router asks the next tier) when it is empty or the task does
        not fit the context."""
        try:
            answer = self.completion(text).text.strip()
        except ModelInputTooLongError:
            return None
        return answer or None

    def answer_many(self, texts: Sequence[str]) -> list[str]:
        """One answer per task, ``""`` where it abstains (the agent's student tier asks so)."""
        return [self.answer(text) or "" for text in texts]
