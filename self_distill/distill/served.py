"""Students that answer tasks: the exported student under llama.cpp, and the torch student.

:class:`LlamaStudent` is what the router's student tier serves: the quantized base GGUF with the
GGUF LoRA adapter applied through llama-cpp-python's ``lora_path``. :class:`TorchStudent` is the
student as training left it (the dequantized base plus the PEFT adapter). Both answer greedily
from the same :func:`~self_distill.distill.prompt.student_prompt` and stop at the end-of-turn
token, so comparing them measures the export and the quantized base, nothing else.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from self_distill.distill.adapter import check_fits_base, read_adapter
from self_distill.distill.base import StudentBase, load_model, load_tokenizer, prepare_base
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
        prompt = student_prompt(self.tokenizer, text)
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


class TorchStudent:
    """A trained adapter on the torch base, answering greedily: the reference the export is
    compared with, and the student evaluation runs before any export."""

    def __init__(
        self,
        adapter_dir: Path,
        *,
        base: StudentBase | None = None,
        ref: str | None = None,
        max_tokens: int = DEFAULT_MAX_TOKENS,
    ) -> None:
        from peft import PeftModel

        adapter = read_adapter(adapter_dir)
        base = base or prepare_base(adapter.base)
        check_fits_base(adapter, base)
        self.ref = ref or f"student:{adapter_dir}"
        self.max_tokens = max_tokens
        self.tokenizer = load_tokenizer(base)
        self.model = PeftModel.from_pretrained(load_model(base), str(adapter_dir)).eval()

    def answer(self, text: str) -> str | None:
        import torch

        prompt = student_prompt(self.tokenizer, text)
        inputs = self.tokenizer(prompt, add_special_tokens=False, return_tensors="pt")
        end_of_turn = self.tokenizer.convert_tokens_to_ids(self.tokenizer.eos_token)
        with torch.no_grad():
            output = self.model.generate(
                **inputs,
                max_new_tokens=self.max_tokens,
                do_sample=False,
                eos_token_id=end_of_turn,
                pad_token_id=end_of_turn,
            )
        new_tokens = output[0, inputs["input_ids"].shape[1] :]
        answer = self.tokenizer.decode(new_tokens, skip_special_tokens=True).strip()
        return answer or None
