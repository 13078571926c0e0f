"""A student answering with torch: the base, with or without its LoRA adapter, greedy.

This is the reference the exported llama.cpp student is compared with, and how ``distill eval``
answers (base and student on the same prompts). Generation is batched with left padding, so a
batch's prompts end where their answers begin.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from self_distill.distill.base import DEFAULT_BASE, StudentBase, load_model, load_tokenizer
from self_distill.distill.prompt import student_prompt
from self_distill.distill.train import read_student_record
from self_distill.errors import DataError, UsageError


class TorchStudent:
    """Greedy answers from ``base`` plus the adapter in folder ``adapter`` (None: the base)."""

    def __init__(
        self,
        base: StudentBase | None = None,
        adapter: Path | None = None,
        *,
        max_new_tokens: int = 48,
        batch_size: int = 16,
        threads: int | None = None,
    ) -> None:
        import torch

        from self_distill.distill.base import prepare_base

        if threads is not None:
            torch.set_num_threads(threads)
        self.base = base or prepare_base(DEFAULT_BASE)
        self.tokenizer = load_tokenizer(self.base)
        self.tokenizer.padding_side = "left"
        model = load_model(self.base)
        if adapter is not None:
            model = _with_adapter(model, adapter, self.base)
        self.model = model.eval()
        self.ref = f"student:{adapter}" if adapter is not None else f"base:{self.base.name}"
        self.max_new_tokens = max_new_tokens
        self.batch_size = batch_size

    def answer(self, text: str) -> str | None:
        return self.answer_many([text])[0] or None

    def answer_many(self, texts: Sequence[str]) -> list[str]:
        import torch

        answers: list[str] = []
        for start in range(0, len(texts), self.batch_size):
            prompts = [
                student_prompt(self.tokenizer, t) for t in texts[start : start + self.batch_size]
            ]
            batch = self.tokenizer(
                prompts, return_tensors="pt", padding=True, add_special_tokens=False
            )
            with torch.no_grad():
                output = self.model.generate(
                    **batch,
                    max_new_tokens=self.max_new_tokens,
                    do_sample=False,
                    eos_token_id=self.tokenizer.eos_token_id,
                    pad_token_id=self.tokenizer.pad_token_id,
                )
            width = batch["input_ids"].shape[1]
            answers.extend(
                self.tokenizer.decode(row[width:], skip_special_tokens=True).strip()
                for row in output
            )
        return answers


def _with_adapter(model: Any, adapter: Path, base: StudentBase) -> Any:
    """The base with the adapter applied; a clear error for a foreign or broken adapter."""
    from peft import PeftModel

    record = read_student_record(adapter)
    if record.get("base") != base.name:
        raise UsageError(
            f"{adapter} was trained on base {record.get('base')!r}, not {base.name!r}; "
            "use the base it was trained on"
        )
    try:
        return PeftModel.from_pretrained(model, str(adapter))
    except (OSError, ValueError, RuntimeError) as error:
        raise DataError(
            f"{adapter}: the adapter cannot be loaded ({error}); train it again"
        ) from None
