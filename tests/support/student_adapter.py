"""Test adapters for the student tier, made with peft directly: a few optimizer steps on
labelled tasks, so the adapter really changes answers and its greedy answers are confident
enough for an export round trip to be judged. The production trainer is not used here on purpose:
export and serving must work on any PEFT LoRA folder that carries a ``student.json``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from self_distill.distill.base import StudentBase, load_model, load_tokenizer
from self_distill.distill.prompt import answer_completion, student_prompt
from self_distill.tasks import Task

TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def train_test_adapter(
    base: StudentBase,
    tasks: Sequence[Task],
    out: Path,
    *,
    steps: int = 12,
    batch: int = 4,
    rank: int = 8,
    learning_rate: float = 2e-3,
    seed: int = 0,
) -> Path:
    """A LoRA adapter folder (PEFT files and ``student.json``) after ``steps`` AdamW steps on
    ``tasks``, loss on the answer tokens only."""
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    tokenizer = load_tokenizer(base)
    config = LoraConfig(
        r=rank, lora_alpha=2 * rank, target_modules=TARGET_MODULES, task_type="CAUSAL_LM"
    )
    model = get_peft_model(load_model(base), config)
    model.train()
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=learning_rate
    )
    examples = []
    for task in tasks:
        prompt = tokenizer(student_prompt(tokenizer, task.input), add_special_tokens=False)
        answer = tokenizer(answer_completion(tokenizer, task.target), add_special_tokens=False)
        ids = prompt["input_ids"] + answer["input_ids"]
        labels = [-100] * len(prompt["input_ids"]) + answer["input_ids"]
        examples.append((ids, labels))
    for step in range(steps):
        chosen = [examples[(step * batch + i) % len(examples)] for i in range(batch)]
        width = max(len(ids) for ids, _ in chosen)
        pad = tokenizer.pad_token_id
        input_ids = torch.tensor([ids + [pad] * (width - len(ids)) for ids, _ in chosen])
        labels = torch.tensor([lab + [-100] * (width - len(lab)) for _, lab in chosen])
        mask = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in chosen])
        loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.save_pretrained(out)
    (out / "student.json").write_text(
        json.dumps({"base": base.name, "format_version": 1, "steps": steps}, indent=2) + "\n"
    )
    return out
