"""self-distill: turn recurring LLM work into verified code and small local models."""

__version__ = "0.1.0"
