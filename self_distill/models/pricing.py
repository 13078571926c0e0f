"""Prices in USD per million input and output tokens, per model spec.

Local models (embedded, llamacpp, ollama) cost 0 USD: their price is compute, which the ledger
records as wall and CPU time. Remote prices can be overridden in the config file; a remote model
without a known price is refused rather than silently counted as free.
"""

from __future__ import annotations

from dataclasses import dataclass

from self_distill.errors import ConfigError


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input_per_mtok: float
    output_per_mtok: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / 1e6


FREE = Price(0.0, 0.0)

# Anthropic list prices (USD / million tokens) as published for these model ids.
ANTHROPIC_PRICES: dict[str, Price] = {
    "claude-opus-4-6": Price(5.0, 25.0),
    "claude-sonnet-4-6": Price(3.0, 15.0),
    "claude-opus-4-5": Price(5.0, 25.0),
    "claude-opus-4-1": Price(15.0, 75.0),
    "claude-opus-4-0": Price(15.0, 75.0),
    "claude-sonnet-4-5": Price(3.0, 15.0),
    "claude-sonnet-4-0": Price(3.0, 15.0),
    "claude-haiku-4-5": Price(1.0, 5.0),
    "claude-3-5-haiku-latest": Price(0.8, 4.0),
}


def anthropic_price(model_id: str, overrides: dict[str, Price] | None = None) -> Price:
    """The price of an Anthropic model id; dated ids match their undated family name."""
    table = {**ANTHROPIC_PRICES, **(overrides or {})}
    if model_id in table:
        return table[model_id]
    for name in sorted(table, key=len, reverse=True):
        if model_id.startswith(name):
            return table[name]
    raise ConfigError(
        f"no price known for anthropic:{model_id}; add it to the config file as "
        f'[prices."anthropic:{model_id}"] input = <USD per Mtok>, output = <USD per Mtok>'
    )
