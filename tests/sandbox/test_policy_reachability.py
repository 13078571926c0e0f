"""Walk everything sandboxed code can reach and fail if anything dangerous is among it.

The roots are what code can name: the curated builtins and every curated import. From each
object the walk follows what the guards let through: every attribute ``dir()`` lists plus a
list of known escape hatches (``__globals__``, ``gi_frame``, ``mro``...), each read through
:func:`guarded_getattr`, and the items of containers. Nothing is called. A module, frame, code
object, traceback, ``type``, ``object``, a module's globals dict (what ``__globals__`` would give)
or the code's own globals must never turn up.
"""

from __future__ import annotations

import builtins
import os
import sys
import types
from collections import deque
from typing import Any

from self_distill.sandbox.policy import (
    curated_import,
    guarded_getattr,
    restricted_globals,
)
from self_distill.sandbox.safe_modules import SAFE_MODULES, SafeNamespace

PROBED_NAMES = (
    "__globals__",
    "__builtins__",
    "__class__",
    "__bases__",
    "__base__",
    "__mro__",
    "__subclasses__",
    "__self__",
    "__func__",
    "__code__",
    "__closure__",
    "__dict__",
    "__module__",
    "__loader__",
    "__spec__",
    "__traceback__",
    "__context__",
    "__cause__",
    "__init__",
    "__reduce_ex__",
    "mro",
    "gi_frame",
    "gi_code",
    "cr_frame",
    "ag_frame",
    "tb_frame",
    "tb_next",
    "f_back",
    "f_globals",
    "f_builtins",
    "sys",
    "os",
    "enum",
    "decoder",
    "encoder",
    "scanner",
    "abc",
    "Formatter",
    "format",
    "format_map",
)
MAX_OBJECTS = 200_000
FORBIDDEN_TYPES = (types.ModuleType, types.FrameType, types.CodeType, types.TracebackType)
VALUE_TYPES = (bool, int, float, complex, str, bytes, type(None))
"""Immutable values: their attributes are more values and fresh bound methods, so the walk
treats them as leaves (``1.0.imag.imag...`` would never end)."""


def _roots() -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    globals_ = restricted_globals()
    roots = [
        (name, value)
        for name, value in globals_["__builtins__"].items()
        if not name.startswith("_")
    ]
    roots += [(f"import {name}", curated_import(name)) for name in SAFE_MODULES]
    roots += [(name, value) for name, value in globals_.items() if not name.startswith("_")]
    return globals_, roots


def _names(obj: Any) -> set[str]:
    try:
        listed = set(dir(obj))
    except Exception:
        listed = set()
    return listed | set(PROBED_NAMES)


def _children(path: str, obj: Any) -> list[tuple[str, Any]]:
    if type(obj) in VALUE_TYPES:
        return []
    found = []
    for name in sorted(_names(obj)):
        try:
            value = guarded_getattr(obj, name)
        except Exception:
            continue
        found.append((f"{path}.{name}", value))
    if type(obj) in (list, tuple, set, frozenset):
        found += [(f"{path}[{index}]", item) for index, item in enumerate(obj)]
    elif type(obj) is dict:
        found += [(f"{path}[{key!r}]", value) for key, value in obj.items()]
    return found


def _forbidden(obj: Any, module_dicts: set[int]) -> str | None:
    if isinstance(obj, FORBIDDEN_TYPES) or obj is type or obj is object:
        return repr(obj)
    if id(obj) in module_dicts:
        return "a module's globals dict"
    return None


_KEPT_ALIVE: list[Any] = []


def _module_dict_ids(own_globals: dict[str, Any]) -> set[int]:
    """Ids of every loaded module's globals dict (and the skill's own).

    The dicts are kept alive: a ``sys.modules`` entry whose ``__dict__`` is computed on access
    would otherwise hand back a temporary dict whose id the walk's next object can reuse,
    reporting an innocent object as a module's globals.
    """
    dicts = [vars(module) for module in list(sys.modules.values()) if module]
    _KEPT_ALIVE.extend(dicts)
    return {id(d) for d in dicts} | {id(own_globals)}


def walk(roots: list[tuple[str, Any]], own_globals: dict[str, Any]) -> dict[int, tuple[str, Any]]:
    """Every object reachable from ``roots`` through the guards, by id, with one path to it.

    Forbidden objects are recorded but not expanded further.
    """
    module_dicts = _module_dict_ids(own_globals)
    seen: dict[int, tuple[str, Any]] = {}
    queue = deque(roots)
    while queue:
        path, obj = queue.popleft()
        if id(obj) in seen:
            continue
        seen[id(obj)] = (path, obj)
        assert len(seen) < MAX_OBJECTS, "object graph unexpectedly large; walk is not converging"
        if _forbidden(obj, module_dicts) is None:
            queue.extend(_children(path, obj))
    return seen


def find_forbidden(roots: list[tuple[str, Any]], own_globals: dict[str, Any]) -> list[str]:
    """Paths to every forbidden object reachable from ``roots`` (empty when all is well)."""
    module_dicts = _module_dict_ids(own_globals)
    problems = []
    for path, obj in walk(roots, own_globals).values():
        reason = _forbidden(obj, module_dicts)
        if reason is not None:
            problems.append(f"{path} -> {reason}")
    return problems


def test_nothing_dangerous_is_reachable_from_the_globals() -> None:
    own_globals, roots = _roots()
    assert find_forbidden(roots, own_globals) == []


def test_walk_reaches_the_ordinary_tools() -> None:
    """The walk is not vacuous: it does reach what skills are meant to use."""
    own_globals, roots = _roots()
    reached = walk(roots, own_globals)
    namespace = curated_import("re")
    import re
    from collections import Counter

    for expected in (re.sub, re.compile, Counter, Counter.most_common, str.lower, namespace):
        assert id(expected) in reached
    assert len(reached) > 500


def test_walk_detects_a_planted_module() -> None:
    """The walker itself works: a namespace carrying a module is caught, with its path."""
    own_globals, _ = _roots()
    planted = SafeNamespace("planted", {"helper": len, "os": os})
    problems = find_forbidden([("import planted", planted)], own_globals)
    assert problems == ["import planted.os -> " + repr(os)]


def test_walk_detects_a_function_globals_leak() -> None:
    own_globals, _ = _roots()

    def leaky() -> None:
        """A plain Python function: only its __globals__ guard keeps its module dict away."""

    bag = SafeNamespace("bag", {"leak": leaky.__globals__})
    problems = find_forbidden([("import bag", bag)], own_globals)
    assert problems == ["import bag.leak -> a module's globals dict"]


def test_real_builtins_module_is_not_a_root() -> None:
    own_globals, roots = _roots()
    assert all(value is not builtins for _, value in roots)
    assert own_globals["__builtins__"] is not vars(builtins)
