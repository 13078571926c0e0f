"""``self-distill ask``: one prompt to one model; the answer or the Completion as JSON, ledgered.

The answer is printed as the model wrote it (no wrapping, no markup), so ``ask ... | cat`` is the
model's text byte for byte; the prompt is read from standard input with ``-``, or when none is
given and stdin is a pipe (``echo prompt | self-distill ask``), as ``llm`` and ``ollama run`` do.
"""

from __future__ import annotations

import click

from self_distill.api import open_ledger
from self_distill.cli.output import print_json, print_raw, text_or_stdin
from self_distill.config import load_settings
from self_distill.ledger import RecordedModel
from self_distill.models import load_model


@click.command()
@click.option("--model", "spec", default=None, help="Model spec (default from config).")
@click.option("--max-tokens", default=256, show_default=True, type=click.IntRange(1, 32768))
@click.option("--temperature", default=0.0, show_default=True, type=click.FloatRange(0, 2))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--system", default=None, help="Optional system message.")
@click.option("--json", "as_json", is_flag=True, help="Print the Completion as one JSON object.")
@click.option("--ledger", "ledger_path", default=None, help="Ledger file (default from config).")
@click.argument("prompt", required=False)
def ask(
    spec: str | None,
    max_tokens: int,
    temperature: float,
    seed: int,
    system: str | None,
    as_json: bool,
    ledger_path: str | None,
    prompt: str | None,
) -> None:
    """Ask one model PROMPT (- or none on a pipe: standard input); the call is recorded in the
    ledger with purpose 'solve'."""
    prompt = text_or_stdin(prompt, "a PROMPT")
    settings = load_settings({"ledger_path": ledger_path})
    spec = spec or settings.default_model
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": prompt}
    ]
    generator = load_model(spec, settings)
    with open_ledger(settings=settings) as ledger:
        run_id = ledger.start_run("ask", {"model": spec})
        recorded = RecordedModel(generator, ledger, run_id)
        try:
            completion = recorded.complete(
                messages,
                purpose="solve",
                max_tokens=max_tokens,
                temperature=temperature,
                seed=seed,
            )
        except Exception:
            ledger.finish_run(run_id, "failed")
            raise
        ledger.finish_run(run_id)
    if as_json:
        print_json(completion.to_dict())
    else:
        print_raw(completion.text)
