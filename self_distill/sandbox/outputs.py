"""Turn whatever a skill returned into exact built-in JSON types, or say why not.

Runs in the worker, still under the call's alarm, so a hostile value cannot stall the worker
outside the timeout. Subclasses are copied through the base type's own slots (``str.__str__``,
``list.copy``, ``dict.items``), never through methods the subclass may have overridden: an
answer object whose ``__eq__`` always returns True, or a ``str`` subclass with a lying
``__str__``, reaches the host as plain data or not at all. Tuples become lists (JSON has no
tuples). Depth and size are capped while walking, so a deeply nested or huge value is refused
before it is built twice.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 100
"""Deepest nesting of lists/dicts an output may have."""

MAX_INT_BITS = 13_000
"""Largest integer sent back (below Python's 4,300-digit int-to-str limit)."""


class OutputRejected(Exception):
    """The value cannot be sent back; ``kind`` is ``bad_output_type`` or ``output_too_large``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


def _too_large(max_bytes: int) -> OutputRejected:
    return OutputRejected("output_too_large", f"output exceeds {max_bytes} bytes")


class _Budget:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.left = max_bytes

    def spend(self, amount: int) -> None:
        self.left -= amount
        if self.left < 0:
            raise _too_large(self.max_bytes)


def _scalar(value: object, budget: _Budget) -> tuple[bool, Any]:
    """Convert a scalar; the flag says whether ``value`` was one."""
    if value is None or value is True or value is False:
        budget.spend(5)
        return True, value
    kind = type(value)
    if issubclass(kind, str):
        budget.spend(len(str.__str__(value)) + 2)
        return True, str.__str__(value)
    if issubclass(kind, int):
        plain = int.__index__(value)  # type: ignore[arg-type]
        if plain.bit_length() > MAX_INT_BITS:
            raise OutputRejected("output_too_large", "integer has more than about 4,000 digits")
        budget.spend(plain.bit_length() // 3 + 2)
        return True, plain
    if issubclass(kind, float):
        budget.spend(24)
        return True, float.__float__(value)  # type: ignore[arg-type]
    return False, None


def _entries(value: object, budget: _Budget) -> tuple[bool, list[tuple[Any, Any]]] | None:
    """``(is_dict, [(key_or_index, child), ...])`` for containers, None for anything else.

    The size is charged to ``budget`` before anything is copied, so a huge container is refused
    without first being duplicated.
    """
    kind = type(value)
    if issubclass(kind, list):
        budget.spend(2 + 2 * list.__len__(value))  # type: ignore[arg-type]
        return False, list(enumerate(list.copy(value)))  # type: ignore[arg-type]
    if issubclass(kind, tuple):
        budget.spend(2 + 2 * tuple.__len__(value))  # type: ignore[arg-type]
        return False, list(enumerate(tuple.__iter__(value)))  # type: ignore[arg-type]
    if issubclass(kind, dict):
        budget.spend(2 + 2 * dict.__len__(value))  # type: ignore[arg-type]
        return True, list(dict.items(value))  # type: ignore[arg-type]
    return None


def to_plain(value: object, max_bytes: int) -> Any:
    """Return ``value`` as exact str/int/float/bool/None/list/dict-with-str-keys.

    Raises :class:`OutputRejected` for other types, non-string dict keys, nesting deeper than
    :data:`MAX_DEPTH`, or more than about ``max_bytes`` of JSON.
    """
    budget = _Budget(max_bytes)
    holder: list[Any] = [None]
    stack: list[tuple[object, list[Any] | dict[str, Any], Any, int]] = [(value, holder, 0, 0)]
    while stack:
        current, parent, slot, depth = stack.pop()
        is_scalar, plain = _scalar(current, budget)
        if not is_scalar:
            plain = _container(current, depth, budget, stack)
        parent[slot] = plain
    return holder[0]


def _container(
    current: object,
    depth: int,
    budget: _Budget,
    stack: list[tuple[object, list[Any] | dict[str, Any], Any, int]],
) -> list[Any] | dict[str, Any]:
    """An empty copy of a container whose children are queued on ``stack`` to be filled in."""
    if depth >= MAX_DEPTH and isinstance(current, (list, tuple, dict)):
        raise OutputRejected("bad_output_type", f"output is nested deeper than {MAX_DEPTH} levels")
    entries = _entries(current, budget)
    if entries is None:
        where = " inside a container" if depth else ""
        raise OutputRejected("bad_output_type", f"cannot return a {type(current).__name__}{where}")
    is_dict, children = entries
    if not is_dict:
        items: list[Any] = [None] * len(children)
        stack.extend((child, items, index, depth + 1) for index, child in reversed(children))
        return items
    mapping: dict[str, Any] = {}
    for key, _ in children:
        if not issubclass(type(key), str):
            raise OutputRejected(
                "bad_output_type", f"dict keys must be str, not {type(key).__name__}"
            )
        plain_key = str.__str__(key)
        budget.spend(len(plain_key) + 3)
        mapping[plain_key] = None
    stack.extend((child, mapping, str.__str__(key), depth + 1) for key, child in reversed(children))
    return mapping
