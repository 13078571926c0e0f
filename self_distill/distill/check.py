"""Is the torch base the model llama.cpp serves? Tokens and logits compared on real prompts.

A student is trained on the torch base (the embedded GGUF dequantized) and served by llama.cpp
on the quantized GGUF itself. Both ends must read a prompt as the same token ids, or a student
would be served prompts it never saw; and their logits must be close, or its answers would drift.

The logits cannot be bit-equal: llama.cpp multiplies Q4_1 weights with activations it quantizes
to 8 bits, where torch uses the dequantized weights in float32. Measured on SmolLM2-135M Q4_1
over 30 student prompts (2 of each of the 15 generated families, 3,030 tokens; logits span about
+-38): max |difference| 1.99, mean 0.19, top-1 agreement 0.96 over all positions and 0.93 at the
next-token position (2 near-ties in 30). The same weights written as an F32 GGUF give max 0.026
and top-1 agreement 1.0, so the difference is llama.cpp's activation quantization, not the
conversion. The tolerances leave about 1.5 to 2.5 times that room; a wrong conversion (another
rope, norm or tokenizer) differs by whole logits everywhere and fails them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from self_distill.distill.base import StudentBase, load_model, load_tokenizer
from self_distill.errors import UsageError
from self_distill.models.llamacpp_backend import configured_threads, load_llama

MAX_ABS_TOLERANCE = 3.0
"""Largest |torch - llama.cpp| logit difference allowed at any position."""
MEAN_ABS_TOLERANCE = 0.5
"""Largest mean |difference| over all positions and the vocabulary."""
TOP1_TOLERANCE = 0.85
"""Smallest share of positions where both pick the same most likely next token."""
CONTEXT_STEP = 512


@dataclass(frozen=True)
class BaseCheck:
    """Token and logit agreement of the torch base and its GGUF on a set of rendered prompts.

    ``token_mismatches`` are the indices of prompts whose token ids differ (logits are compared
    only on the others); the differences are over every position of every compared prompt.
    """

    base: str
    prompts: int
    tokens: int
    token_mismatches: tuple[int, ...]
    max_abs_diff: float
    mean_abs_diff: float
    top1_agreement: float
    next_token_agreement: float

    def problems(self) -> list[str]:
        """What failed, one line each; empty when the base is consistent."""
        found = []
        if self.token_mismatches:
            found.append(
                f"the HF tokenizer and llama.cpp give different ids on prompts "
                f"{list(self.token_mismatches)}"
            )
        if self.max_abs_diff > MAX_ABS_TOLERANCE:
            found.append(f"max logit difference {self.max_abs_diff:.3f} > {MAX_ABS_TOLERANCE}")
        if self.mean_abs_diff > MEAN_ABS_TOLERANCE:
            found.append(f"mean logit difference {self.mean_abs_diff:.3f} > {MEAN_ABS_TOLERANCE}")
        if self.top1_agreement < TOP1_TOLERANCE:
            found.append(f"top-1 agreement {self.top1_agreement:.3f} < {TOP1_TOLERANCE}")
        return found

    @property
    def passed(self) -> bool:
        return not self.problems()


def check_base(base: StudentBase, prompts: Sequence[str]) -> BaseCheck:
    """Compare the torch base with ``base.gguf`` under llama.cpp on rendered ``prompts``
    (as :func:`~self_distill.distill.prompt.student_prompt` makes them)."""
    import numpy as np
    import torch

    if not prompts:
        raise UsageError("check_base needs at least one rendered prompt")
    tokenizer = load_tokenizer(base)
    ids = [tokenizer(prompt, add_special_tokens=False)["input_ids"] for prompt in prompts]
    longest = max(len(row) for row in ids)
    n_ctx = CONTEXT_STEP * (longest // CONTEXT_STEP + 1)
    llama = load_llama(str(base.gguf), n_ctx, configured_threads(), logits_all=True)
    mismatches = tuple(
        number
        for number, (prompt, row) in enumerate(zip(prompts, ids, strict=True))
        if llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True) != row
    )
    model = load_model(base).eval()
    differences, same_top1, same_next = [], [], []
    for number, row in enumerate(ids):
        if number in mismatches:
            continue
        llama.reset()
        llama.eval(row)
        served = np.asarray(llama.scores[: len(row)], dtype=np.float32)
        with torch.no_grad():
            trained = model(torch.tensor([row])).logits[0].numpy()
        differences.append(np.abs(served - trained))
        agree = served.argmax(-1) == trained.argmax(-1)
        same_top1.append(agree)
        same_next.append(bool(agree[-1]))
    compared = np.concatenate(differences) if differences else np.zeros((1, 1))
    return BaseCheck(
        base=base.name,
        prompts=len(prompts),
        tokens=sum(len(row) for row in ids),
        token_mismatches=mismatches,
        max_abs_diff=float(compared.max()),
        mean_abs_diff=float(compared.mean()),
        top1_agreement=float(np.concatenate(same_top1).mean()) if same_top1 else 0.0,
        next_token_agreement=float(np.mean(same_next)) if same_next else 0.0,
    )
