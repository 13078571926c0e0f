"""What ``import re`` (and friends) hands to sandboxed code: read-only namespaces, not modules.

Model-written code imports out of habit, so the curated modules must keep working for ordinary
use (``re.sub``, ``json.dumps``, ``collections.Counter``, ``datetime.date(...) + timedelta``).
Each namespace holds only plain functions, classes and constants picked by name; no attribute of
a namespace is a module, so chains such as ``re.enum.sys`` end at the first step. ``re`` flags are
plain integers (the ``RegexFlag`` enum class would hand out its metaclass machinery), and
``string.Formatter`` is left out because it looks up attributes in C, bypassing the guards.
"""

from __future__ import annotations

import collections
import datetime
import itertools
import json
import math
import re
import string
from collections.abc import Mapping
from typing import Any


class SafeNamespace:
    """A read-only bag of names that stands in for a module inside the sandbox."""

    def __init__(self, name: str, members: Mapping[str, Any]) -> None:
        for key, value in members.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "_sandbox_module_name", name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"the sandbox module {self._sandbox_module_name!r} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"the sandbox module {self._sandbox_module_name!r} is read-only")

    def __repr__(self) -> str:
        return f"<sandbox module {self._sandbox_module_name!r}>"


def _pick(module: Any, names: list[str]) -> dict[str, Any]:
    return {name: getattr(module, name) for name in names}


def _public(module: Any) -> dict[str, Any]:
    return {name: value for name, value in vars(module).items() if not name.startswith("_")}


_RE_FLAGS = ["A", "ASCII", "I", "IGNORECASE", "M", "MULTILINE", "S", "DOTALL", "X", "VERBOSE"]
_RE_FLAGS += ["U", "UNICODE", "NOFLAG"]

_MEMBERS: dict[str, dict[str, Any]] = {
    "re": {
        **_pick(re, ["compile", "search", "match", "fullmatch", "split", "findall", "finditer"]),
        **_pick(re, ["sub", "subn", "escape", "error", "Pattern", "Match"]),
        **{flag: int(getattr(re, flag)) for flag in _RE_FLAGS},
    },
    "json": _pick(json, ["dumps", "loads", "JSONDecodeError"]),
    "math": _public(math),
    "datetime": _pick(datetime, ["date", "datetime", "time", "timedelta", "timezone", "tzinfo"])
    | _pick(datetime, ["MINYEAR", "MAXYEAR"])
    | {"UTC": datetime.UTC},
    "itertools": _public(itertools),
    "collections": _pick(
        collections, ["Counter", "OrderedDict", "defaultdict", "deque", "namedtuple", "ChainMap"]
    ),
    "string": _pick(
        string,
        [
            *("ascii_letters", "ascii_lowercase", "ascii_uppercase", "digits", "hexdigits"),
            *("octdigits", "printable", "punctuation", "whitespace", "capwords", "Template"),
        ],
    ),
}

SAFE_MODULES: dict[str, SafeNamespace] = {
    name: SafeNamespace(name, members) for name, members in _MEMBERS.items()
}
"""The importable names and the namespace each one yields (shared: namespaces are read-only)."""
