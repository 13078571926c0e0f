"""The Python-level policy on its own: compilation verdicts, guards, curated builtins and imports.

These run the policy in the test process (it is plain Python); the attack suites run it inside
real workers.
"""

from __future__ import annotations

import builtins
import importlib
import sys
from typing import Any

import pytest

from self_distill.sandbox.arithmetic import evaluate_arithmetic
from self_distill.sandbox.policy import (
    CURATED_BUILTINS,
    CodeRejected,
    compile_code,
    curated_import,
    defined_functions,
    guarded_getattr,
    guarded_write,
    restricted_globals,
    safe_format,
)
from self_distill.sandbox.safe_modules import SAFE_MODULES, SafeNamespace
from self_distill.sandbox.zygote import PRELOADED_MODULES


@pytest.fixture(scope="module", autouse=True)
def preloaded_like_the_zygote() -> None:
    """Workers inherit these from the zygote; the in-process tests need them loaded too."""
    for module in PRELOADED_MODULES:
        importlib.import_module(module)


def run_restricted(code: str, *args: Any) -> Any:
    namespace = restricted_globals()
    exec(compile_code(code), namespace)
    return namespace["solve"](*args)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("def solve(t):\n    return t +\n", "syntax"),
        ("def solve(t)\n    return t\n", "syntax"),
        ("(" * 500 + ")" * 500, "syntax"),
        ("def solve(t):\n    return t.__class__\n", "policy"),
        ("def solve(_getattr_, /):\n    return 1\n", "policy"),
        ("async def solve(t):\n    return 1\n", "policy"),
        ("def solve(t):\n    exec('x = 1')\n    return 1\n", "policy"),
        ("from re import *\n", "policy"),
    ],
)
def test_compile_verdicts(code: str, kind: str) -> None:
    with pytest.raises(CodeRejected) as caught:
        compile_code(code)
    assert caught.value.kind == kind
    assert caught.value.message


def test_policy_message_names_line_and_problem() -> None:
    with pytest.raises(CodeRejected) as caught:
        compile_code("x = 1\n\ndef solve(t):\n    return t.__dict__\n")
    assert "Line 4" in caught.value.message
    assert "__dict__" in caught.value.message


def test_unrestricted_compile_accepts_what_the_policy_refuses() -> None:
    code = "def solve(t):\n    return t.__class__.__name__\n"
    namespace: dict[str, Any] = {}
    exec(compile_code(code, restricted=False), namespace)
    assert namespace["solve"]("x") == "str"


MODEL_STYLE_SKILL = """
import re
import json
from collections import Counter, defaultdict
from itertools import permutations
import datetime
import string
import math

class Tally:
    def __init__(self):
        self.total = 0
        self.seen = []

    def add(self, word):
        self.total += len(word)
        self.seen += [word]
        return self

def solve(text):
    words = re.findall(r"[A-Za-z]+", text)
    counts = Counter(w.lower() for w in words)
    groups = defaultdict(list)
    index = {}
    for i, w in enumerate(words):
        groups[w[0].lower()].append(w)
        index[w] = index.get(w, 0)
        index[w] += i
    tally = Tally()
    for w in sorted(words, key=str.lower):
        tally.add(w)
    first, *rest = words
    day = datetime.date(2024, 2, 28) + datetime.timedelta(days=2)
    pattern = re.compile(r"(\\w)(\\w*)")
    return {
        "sorted": sorted(words, key=str.lower),
        "upper": [w.upper() for w in words if len(w) > 3],
        "counts": dict(counts.most_common(2)),
        "groups": {k: v for k, v in groups.items()},
        "index": index,
        "total": tally.total,
        "seen": tally.seen,
        "first": first,
        "rest": len(rest),
        "perms": len(list(permutations("abc"))),
        "day": day.isoformat(),
        "weekday": day.strftime("%A"),
        "parsed": datetime.datetime.strptime("2020-01-02", "%Y-%m-%d").year,
        "json": json.loads(json.dumps({"n": len(words)})),
        "sub": re.sub(r"o", "0", text),
        "match": pattern.match(first).group(2),
        "letters": string.ascii_lowercase[:3],
        "fmt": "{} has {:>3} letters; {name}".format(first, len(first), name="ok"),
        "fstring": f"{math.sqrt(16):.1f}|{first!r}",
        "template": string.Template("$w!").substitute(w=first),
    }
"""


def test_model_style_code_works_under_the_policy() -> None:
    result = run_restricted(MODEL_STYLE_SKILL, "the Quick brown fox jumps over the lazy dog")
    assert result["sorted"][:3] == ["brown", "dog", "fox"]
    assert result["upper"] == ["QUICK", "BROWN", "JUMPS", "OVER", "LAZY"]
    assert result["counts"] == {"the": 2, "quick": 1}
    assert result["groups"]["t"] == ["the", "the"]
    assert result["index"]["the"] == 0 + 6
    assert result["total"] == 35
    assert result["seen"][0] == "brown"
    assert (result["first"], result["rest"]) == ("the", 8)
    assert result["perms"] == 6
    assert (result["day"], result["weekday"]) == ("2024-03-01", "Friday")
    assert result["parsed"] == 2020
    assert result["json"] == {"n": 9}
    assert result["sub"].startswith("the Quick br0wn f0x")
    assert result["match"] == "he"
    assert result["letters"] == "abc"
    assert result["fmt"] == "the has   3 letters; ok"
    assert result["fstring"] == "4.0|'the'"
    assert result["template"] == "the!"


def test_augmented_assignment_matches_python_and_evaluates_target_once() -> None:
    code = (
        "calls = []\n\ndef box():\n    calls.append(1)\n    return data\n\n"
        "data = {'k': 1, 'items': [1]}\n\n"
        "def solve(t):\n    box()['k'] += 10\n    box()['items'][0:1] += [7, 8]\n"
        "    return [data['k'], data['items'], len(calls)]\n"
    )
    plain: dict[str, Any] = {}
    exec(compile_code(code, restricted=False), plain)
    assert run_restricted(code, "") == plain["solve"]("") == [11, [1, 7, 8], 2]


def test_augmented_assignment_to_private_attribute_is_refused() -> None:
    with pytest.raises(CodeRejected) as caught:
        compile_code("def solve(t):\n    t._x += 1\n")
    assert caught.value.kind == "policy"


def test_print_goes_to_printed_not_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code = "def solve(t):\n    print('hello', t)\n    return printed\n"
    assert run_restricted(code, "world") == "hello world\n"
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    "name",
    [
        *("__class__", "_private", "\uff3f\uff3fclass\uff3f\uff3f", "mro", "\uff4d\uff52\uff4f"),
        *("gi_frame", "f_globals", "tb_frame", "cr_frame", "co_code", "x__roles__"),
    ],
)
def test_guarded_getattr_refuses(name: str) -> None:
    with pytest.raises(AttributeError, match="not accessible"):
        guarded_getattr("text", name)
    with pytest.raises(AttributeError, match="not accessible"):
        guarded_getattr("text", name, "default")


def test_guarded_getattr_refuses_non_str_names() -> None:
    class Name(str):
        pass

    with pytest.raises(TypeError):
        guarded_getattr("text", Name("upper"))


def test_guarded_getattr_refuses_reads_through_modules() -> None:
    with pytest.raises(AttributeError):
        guarded_getattr(sys, "path")


def test_guarded_getattr_allows_ordinary_attributes() -> None:
    assert guarded_getattr("abc", "upper")() == "ABC"
    assert guarded_getattr(str, "lower")("AB") == "ab"
    assert guarded_getattr(SAFE_MODULES["math"], "pi") > 3


def test_format_is_replaced_by_a_guarded_equivalent() -> None:
    assert guarded_getattr("{0}-{x}", "format")(1, x=2) == "1-2"
    assert guarded_getattr("{x[k]}", "format_map")({"x": {"k": 5}}) == "5"
    assert guarded_getattr(str, "format")("{:>3}", 7) == "  7"
    with pytest.raises(AttributeError, match="not accessible"):
        safe_format("{0.__class__}", 1)
    with pytest.raises(AttributeError, match="not accessible"):
        guarded_getattr("{0.real.__class__}", "format")(1)


def test_write_guard() -> None:
    counts: dict[str, int] = {}
    assert guarded_write(counts) is counts
    assert guarded_write([1]) == [1]
    for shared in (SAFE_MODULES["re"], str, len, curated_import):
        with pytest.raises(TypeError, match="cannot be modified"):
            guarded_write(shared)
    code = (
        "class Box:\n    pass\n\n"
        "def solve(t):\n    b = Box()\n    b.value = t\n    return b.value\n"
    )
    assert run_restricted(code, "kept") == "kept"


def test_safe_namespace_is_read_only() -> None:
    namespace = SafeNamespace("demo", {"answer": 42})
    with pytest.raises(AttributeError, match="read-only"):
        namespace.answer = 1  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="read-only"):
        del namespace.answer  # type: ignore[attr-defined]
    assert namespace.answer == 42  # type: ignore[attr-defined]


def test_curated_import_hands_out_namespaces_never_modules() -> None:
    for name in ("re", "json", "math", "datetime", "itertools", "collections", "string"):
        namespace = curated_import(name)
        assert isinstance(namespace, SafeNamespace)
        assert not any(isinstance(value, type(sys)) for value in vars(namespace).values())
    assert curated_import("re").IGNORECASE == 2
    assert type(curated_import("re").IGNORECASE) is int


@pytest.mark.parametrize("name", ["os", "sys", "subprocess", "ctypes", "socket", "re.enum", "_io"])
def test_curated_import_refuses_everything_else(name: str) -> None:
    with pytest.raises(ImportError, match="not available"):
        curated_import(name)


def test_curated_import_refuses_relative_imports() -> None:
    with pytest.raises(ImportError, match="relative"):
        curated_import("re", None, None, ("sub",), 1)


def test_side_effect_imports_from_c_get_nothing() -> None:
    assert curated_import("time", {}, {}, [], 0) is None
    with pytest.raises(ImportError):
        curated_import("module_that_is_not_loaded_anywhere", {}, {}, [], 0)


def test_every_curated_builtin_is_documented_and_real() -> None:
    table = restricted_globals()["__builtins__"]
    assert set(table) == set(CURATED_BUILTINS)
    for name, note in CURATED_BUILTINS.items():
        assert len(note) > 5, name
        assert table[name] is not None, name
    assert table["getattr"] is guarded_getattr
    assert table["__import__"] is curated_import
    assert table["eval"] is evaluate_arithmetic


@pytest.mark.parametrize(
    "name",
    [
        *("open", "exec", "compile", "type", "object", "globals", "locals", "vars", "dir"),
        *("input", "breakpoint", "setattr", "delattr", "memoryview", "exit", "quit", "help", "id"),
        *("BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit"),
    ],
)
def test_dangerous_builtins_are_absent(name: str) -> None:
    assert hasattr(builtins, name) or name in ("exit", "quit", "help")
    assert name not in restricted_globals()["__builtins__"]


def test_iterating_in_c_is_documented_where_it_happens() -> None:
    for name in ("sorted", "list", "sum", "min", "max", "any", "all", "map", "zip", "enumerate"):
        assert "in C" in CURATED_BUILTINS[name], name


def test_each_load_gets_fresh_globals() -> None:
    first, second = restricted_globals(), restricted_globals()
    assert first["__builtins__"] is not second["__builtins__"]
    first["__builtins__"]["len"] = None
    assert second["__builtins__"]["len"] is len


def test_defined_functions_lists_only_the_codes_own_functions() -> None:
    code = (
        "from re import escape\nimport math\n\nhelper = lambda x: x\n\n"
        "class Thing:\n    pass\n\ndef solve(t):\n    return t\n\n"
        "def applies(t):\n    return True\n"
    )
    namespace = restricted_globals()
    exec(compile_code(code), namespace)
    assert defined_functions(namespace) == ("applies", "helper", "solve")
