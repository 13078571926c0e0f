"""One interface for every text generator, chosen by a spec string."""

from self_distill.models.base import Completion, Message, TextGenerator
from self_distill.models.registry import build_generator, load_model, parse_spec

__all__ = [
    "Completion",
    "Message",
    "TextGenerator",
    "build_generator",
    "load_model",
    "parse_spec",
]
