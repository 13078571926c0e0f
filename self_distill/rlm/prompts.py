"""The prompts of RLM mode (versioned): the root model's instructions, feedback, extraction.

They are written for small local coders: one short list of what exists in the REPL, one rule for
ending (call ``FINAL`` in code), and a nudge to compute over the whole input instead of reading it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from self_distill.models.base import Message

PROMPT_VERSION = "rlm-v5"

SYSTEM = """\
You solve a task whose full text is in the Python variable `context` (a str of {n_chars} \
characters, {n_lines} lines), too long to read. You write Python code that works on it.

Reply with ONE ```python code block and nothing else. I run it in a persistent Python session \
and show you what it printed (cut to {output_chars} characters). Variables persist.

In the session:
- context: the task text. It usually states the question first, then the data.
- FINAL(answer): call it in code when you have the answer; it ends the task.
- FINAL_VAR(name): the same with the value of the variable named `name`.
- llm_query(prompt) -> str: a language model that sees only `prompt` (at most about \
{sub_chars} characters); for meaning code cannot get, on small pieces.
- llm_query_batched(prompts) -> list of str; a failed item is a str starting with "error:".
{rlm_line}- modules re, json, math, datetime, itertools, collections, string (import first).

Work in steps, one code block per reply. First print a few lines to see the data's exact \
format. Then compute the answer with code over all of the data lines (`context` holds the \
question too: keep only data lines) and print the result and how many lines it used. If a \
count is 0 or a list is empty, your filter is wrong: look at the lines again. When the printed \
result is right, call FINAL(answer) with just the answer. Never guess, and never write what \
the code will print: I run it and show you."""

RLM_LINE = (
    "- rlm_query(prompt, text) -> str: hands `prompt` and a long `text` to a helper that works "
    "like you.\n"
)

FIRST_USER = """\
The task text begins:
\"\"\"
{head}
\"\"\"{tail}
Write the first code block."""

TAIL = """
and ends:
\"\"\"
{tail}
\"\"\"
"""

QUERY_USER = """\
Task: {query}

`context` begins:
\"\"\"
{head}
\"\"\"{tail}
Write the first code block."""

NO_CODE = (
    "I found no ```python code block in your reply. Reply with one code block; call "
    "FINAL(answer) in code when you know the answer."
)
CONTINUE = (
    "Reply with one code block: if this output is the answer, pass the variable that holds it "
    "to FINAL{example}; else the next step."
)
NAMES_SET = "Names that code set: {names}."
FINAL_HELD = (
    "FINAL({value}) held back: a 0 or empty answer usually means the code matched nothing. Check "
    "it on the data; if it is right, call FINAL with the same value again."
)
EXTRACT = (
    "You have no turns left. From what the code found above, reply with the final answer only, "
    "in the form the task asks for, with no explanation."
)
REPEATED = (
    "That block is the code you already ran, and it printed the same. Do not repeat it: print a "
    "data line, check your condition on it, and write different code."
)
EMPTY_RESULT = (
    "The last result is 0, empty or None. If that is not the true answer, the filter or parsing "
    "matched nothing: print one data line and its fields (line.split()) and fix the condition."
)
_EMPTY_RESULTS = frozenset({"0", "0.0", "[]", "{}", "()", "set()", "None", "''", '""'})
HISTORY_CUT = "(earlier turns left out to fit the context window)"

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL)
_CODE_TAGS = frozenset({"", "python", "py", "python3", "repl"})


def system_message(
    n_chars: int, n_lines: int, output_chars: int, sub_chars: int, may_recurse: bool
) -> Message:
    text = SYSTEM.format(
        n_chars=n_chars,
        n_lines=n_lines,
        output_chars=output_chars,
        sub_chars=sub_chars,
        rlm_line=RLM_LINE if may_recurse else "",
    )
    return {"role": "system", "content": text}


def first_user_message(context: str, query: str | None, preview_chars: int) -> Message:
    head = context[:preview_chars]
    tail = ""
    if len(context) > preview_chars:
        tail = TAIL.format(tail=context[-min(300, len(context) - preview_chars) :])
    if query is None:
        return {"role": "user", "content": FIRST_USER.format(head=head, tail=tail)}
    return {"role": "user", "content": QUERY_USER.format(query=query, head=head, tail=tail)}


def code_blocks(reply: str) -> list[str]:
    """The Python code blocks of a reply, in order (an unclosed last block counts)."""
    blocks = []
    for tag, body in _FENCE.findall(reply):
        if tag.lower() in _CODE_TAGS and body.strip():
            blocks.append(body.rstrip() + "\n")
    return blocks


def cut_output(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... [{len(text) - limit} more characters cut]"


def cell_feedback(
    outputs: list[str], repeated: bool, empty_result: bool, names: Sequence[str] = ()
) -> str:
    """The user message after a turn: what each cell printed, or its error, then a nudge.

    Small models repeat a failing cell verbatim and filter on the wrong field; the host sees
    both (the same code again, a printed 0 or empty list) and says so instead of hoping the
    system prompt's rule is remembered.
    """
    notes = [REPEATED] if repeated else []
    if empty_result:
        notes.append(EMPTY_RESULT)
    if names:
        notes.append(NAMES_SET.format(names=", ".join(names)))
    example = f" (for example FINAL({names[-1]}))" if names else ""
    return "\n\n".join([*outputs, *notes, CONTINUE.format(example=example)])


def assigned_names(code: str) -> list[str]:
    """Names a cell binds at its top level, in order (a small model writing FINAL by hand
    retypes a number from memory; pointed at the variable, it passes the computed value)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        return []
    names: list[str] = []
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and not name.id.startswith("_"):
                    if name.id in names:
                        names.remove(name.id)
                    names.append(name.id)
    return names


def is_empty_answer(value: str) -> bool:
    """Whether a FINAL value is a zero or an empty container (held back once by the host)."""
    return value.strip() in _EMPTY_RESULTS or not value.strip()


def looks_empty(printed: str) -> bool:
    """Whether the last printed line is a zero or an empty container (a likely failed filter)."""
    lines = printed.strip().splitlines()
    if not lines:
        return False
    last = lines[-1].strip()
    return is_empty_answer(last) or last.split()[-1] in {"0", "[]"}


def replayed_reply(reply: str, codes: list[str]) -> str:
    """The assistant turn kept in the history: only the code blocks that ran, fenced.

    Prose after a block often holds an invented "Output:" and "Final answer:"; kept in the
    history, the model reads its own guess back as if the REPL had printed it.
    """
    if not codes:
        return reply
    return "\n".join(f"```python\n{code.rstrip()}\n```" for code in codes)
