"""The one prompt a student sees, in training, in evaluation and when it serves.

A student answers the same messages the model tier sends (:func:`direct_messages`), rendered
with the base's own chat template. Training, the torch evaluation and llama.cpp serving all take
the rendered text from here, so no arm is tested with a prompt it was not trained on.
"""

from __future__ import annotations

from typing import Protocol

from self_distill.evaluation import DIRECT_ANSWER_SYSTEM, direct_messages


class ChatTokenizer(Protocol):
    """What a Hugging Face tokenizer offers that the prompt needs."""

    eos_token: str

    def apply_chat_template(self, conversation: list[dict[str, str]], **kwargs: object) -> str: ...


def student_prompt(tokenizer: ChatTokenizer, text: str, system: str = DIRECT_ANSWER_SYSTEM) -> str:
    """The rendered prompt for task ``text``, ending where the assistant's answer begins.

    ``system`` is the direct-answer system prompt unless a student was trained with another
    (the reflection arm adds a strategy to it); the student's record keeps the one it used.
    """
    rendered = tokenizer.apply_chat_template(
        list(direct_messages(text, system)), add_generation_prompt=True, tokenize=False
    )
    if not isinstance(rendered, str):
        raise TypeError("the chat template did not render to text")
    return rendered


def answer_completion(tokenizer: ChatTokenizer, answer: str) -> str:
    """What the student learns to write after the prompt: the answer and the end-of-turn token
    (without it a student would not learn to stop)."""
    return answer.strip() + tokenizer.eos_token
