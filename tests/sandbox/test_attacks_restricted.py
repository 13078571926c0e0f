"""Hostile code against the fully hardened sandbox (RestrictedPython and every OS layer).

Each attack would return ``"ESCAPED"`` or leak a secret if it worked. Every test asserts how the
attack was stopped (refused at load, an exception, a timeout, a refused output) and that the
same sandbox then still answers a benign call correctly.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.sandbox.conftest import PROJECT_FILE, Armed, attempt


@dataclass(frozen=True)
class Attack:
    name: str
    code: str
    stopped_as: frozenset[str]
    error_contains: str = ""

    def __str__(self) -> str:
        return self.name


def attack(name: str, code: str, *stopped_as: str, error_contains: str = "") -> Attack:
    return Attack(name, code, frozenset(stopped_as), error_contains)


POLICY = "policy"
EXCEPTION = "exception"

ATTACKS = [
    # dunder and __subclasses__ chains
    attack(
        "subclasses_chain",
        "def solve(t):\n    return ().__class__.__bases__[0].__subclasses__()\n",
        POLICY,
    ),
    attack(
        "getattr_built_name",
        "def solve(t):\n    c = getattr((), '__cl' + 'ass__')\n    return 'ESCAPED'\n",
        EXCEPTION,
        error_contains="AttributeError",
    ),
    attack(
        "getattr_fullwidth_name",
        "def solve(t):\n    c = getattr((), '\uff3f\uff3fclass\uff3f\uff3f')\n"
        "    return 'ESCAPED'\n",
        EXCEPTION,
        error_contains="not accessible",
    ),
    attack(
        "fullwidth_attribute_literal",
        "def solve(t):\n    return ().__\uff43\uff4c\uff41\uff53\uff53__\n",
        POLICY,
    ),
    attack(
        "getattr_fullwidth_letters",
        "def solve(t):\n    m = getattr(str, '\uff4d\uff52\uff4f')\n    return 'ESCAPED'\n",
        EXCEPTION,
        error_contains="not accessible",
    ),
    attack(
        "getattr_with_default_probe",
        "def solve(t):\n    return getattr(solve, '__globals__', 'ESCAPED-no')\n",
        EXCEPTION,
        error_contains="AttributeError",
    ),
    attack("type_builtin", "def solve(t):\n    return type(t).mro()\n", EXCEPTION),
    attack("object_builtin", "def solve(t):\n    return str(object)\n", EXCEPTION),
    attack(
        "mro_to_object",
        "def solve(t):\n    base = str.mro()[-1]\n    return 'ESCAPED'\n",
        EXCEPTION,
        error_contains="mro",
    ),
    attack(
        "class_defined_mro",
        "class A:\n    pass\n\ndef solve(t):\n    A.mro()\n    return 'ESCAPED'\n",
        EXCEPTION,
    ),
    # frame walking
    attack(
        "generator_gi_frame",
        "def solve(t):\n    g = (i for i in [1])\n    return g.gi_frame.f_back.f_globals\n",
        POLICY,
    ),
    attack(
        "generator_frame_via_getattr",
        "def solve(t):\n    g = (i for i in [1])\n    f = getattr(g, 'gi_' + 'frame')\n"
        "    return 'ESCAPED'\n",
        EXCEPTION,
    ),
    attack(
        "generator_code_via_getattr",
        "def gen():\n    yield 1\n\ndef solve(t):\n    c = getattr(gen(), 'gi_code')\n"
        "    return 'ESCAPED'\n",
        EXCEPTION,
    ),
    attack(
        "coroutine_cr_frame",
        "async def c():\n    pass\n\ndef solve(t):\n    return c().cr_frame\n",
        POLICY,
    ),
    attack(
        "traceback_tb_frame",
        "def solve(t):\n    try:\n        1 / 0\n    except Exception as e:\n"
        "        return e.__traceback__.tb_frame.f_globals\n",
        POLICY,
    ),
    attack(
        "traceback_via_built_string",
        "def solve(t):\n    try:\n        1 / 0\n    except Exception as e:\n"
        "        tb = getattr(e, '__trace' + 'back__')\n        return 'ESCAPED'\n",
        EXCEPTION,
    ),
    attack(
        "exception_context_chain",
        "def solve(t):\n    try:\n        try:\n            1 / 0\n        except Exception:\n"
        "            raise ValueError('x')\n    except ValueError as e:\n"
        "        ctx = getattr(e, '__context__')\n        return 'ESCAPED'\n",
        EXCEPTION,
    ),
    attack(
        "traceback_fullwidth_getattr",
        "def solve(t):\n    try:\n        1 / 0\n    except Exception as e:\n"
        "        tb = getattr(e, '\uff3f\uff3ftraceback\uff3f\uff3f')\n        return 'ESCAPED'\n",
        EXCEPTION,
    ),
    # format / format_map / Formatter
    attack(
        "format_attribute_leak",
        "def solve(t):\n    return '{0.__class__.__mro__}'.format(t)\n",
        EXCEPTION,
        error_contains="not accessible",
    ),
    attack(
        "format_map_leak",
        "def solve(t):\n    return '{x.__class__}'.format_map({'x': t})\n",
        EXCEPTION,
        error_contains="not accessible",
    ),
    attack(
        "format_unbound_str_method",
        "def solve(t):\n    return str.format('{0.__class__}', t)\n",
        EXCEPTION,
    ),
    attack(
        "format_function_globals",
        "def solve(t):\n    return getattr('{0.__globals__}', 'format')(solve)\n",
        EXCEPTION,
    ),
    attack(
        "format_nested_spec_leak",
        "def solve(t):\n    return '{0:{1.__class__}}'.format(1, t)\n",
        EXCEPTION,
    ),
    attack(
        "format_item_then_dunder",
        "def solve(t):\n    return '{0[0].__class__}'.format([t])\n",
        EXCEPTION,
    ),
    attack("fstring_dunder", "def solve(t):\n    return f'{t.__class__}'\n", POLICY),
    attack(
        "fstring_spec_getattr",
        "def solve(t):\n    return f\"{t:{getattr(t, '__class__')}}\"\n",
        EXCEPTION,
    ),
    attack("vars_builtin", "def solve(t):\n    return vars(solve)\n", EXCEPTION),
    attack(
        "super_self_leak",
        "class A:\n    def peek(self):\n        return getattr(super(), '__self__')\n\n"
        "def solve(t):\n    A().peek()\n    return 'ESCAPED'\n",
        EXCEPTION,
    ),
    attack(
        "string_formatter_class",
        "import string\n\ndef solve(t):\n    f = string.Formatter()\n    return 'ESCAPED'\n",
        EXCEPTION,
        error_contains="Formatter",
    ),
    # guard shadowing
    attack(
        "positional_only_getattr_shadow",
        "def f(_getattr_=None, /):\n    return ().__class__\n\ndef solve(t):\n    return f()\n",
        POLICY,
    ),
    attack(
        "positional_only_write_shadow",
        "def solve(t, _write_=lambda o: o, /):\n    return 'ESCAPED'\n",
        POLICY,
    ),
    attack(
        "lambda_getitem_shadow",
        "def solve(t):\n    return (lambda _getitem_: 'ESCAPED')(1)\n",
        POLICY,
    ),
    attack(
        "kwargs_getiter_shadow",
        "def solve(t, **_getiter_):\n    return 'ESCAPED'\n",
        POLICY,
    ),
    attack(
        "except_as_guard_shadow",
        "def solve(t):\n    try:\n        1 / 0\n    except Exception as _getattr_:\n"
        "        return 'ESCAPED'\n",
        POLICY,
    ),
    attack(
        "import_as_guard_shadow", "import re as _getattr_\n\ndef solve(t):\n    return 1\n", POLICY
    ),
    attack("builtins_name", "def solve(t):\n    return __builtins__\n", POLICY),
    attack("dunder_import_call", "def solve(t):\n    return __import__('os')\n", POLICY),
    # eval / exec / compile / open / imports
    attack(
        "eval_code",
        "def solve(t):\n    return eval(\"__import__('os').system('id')\")\n",
        EXCEPTION,
        error_contains="arithmetic on numbers only",
    ),
    attack(
        "eval_by_alias",
        "def solve(t):\n    run = eval\n    return run('open(\"/etc/passwd\").read()')\n",
        EXCEPTION,
        error_contains="arithmetic on numbers only",
    ),
    attack(
        "eval_dunder_attribute",
        "def solve(t):\n    return eval('(1).__class__')\n",
        EXCEPTION,
        error_contains="arithmetic on numbers only",
    ),
    attack(
        "eval_huge_power",
        "def solve(t):\n    return eval('9 ** 9 ** 9')\n",
        EXCEPTION,
        error_contains="OverflowError",
    ),
    attack("exec", "def solve(t):\n    exec('x = 1')\n    return 'ESCAPED'\n", POLICY),
    attack("compile", "def solve(t):\n    return compile('1', 'f', 'eval')\n", EXCEPTION),
    attack("globals_builtin", "def solve(t):\n    return globals()\n", EXCEPTION),
    attack(
        "open_etc_passwd",
        "def solve(t):\n    return open('/etc/passwd').read()\n",
        EXCEPTION,
        error_contains="NameError",
    ),
    attack(
        "read_project_file",
        f"def solve(t):\n    return open({str(PROJECT_FILE)!r}).read()\n",
        EXCEPTION,
    ),
    attack(
        "import_os",
        "def solve(t):\n    import os\n    return os.environ['SELF_DISTILL_TEST_SECRET']\n",
        EXCEPTION,
        error_contains="ImportError",
    ),
    attack("import_os_module_level", "import os\n\ndef solve(t):\n    return 1\n", "runtime"),
    attack(
        "import_subprocess",
        "def solve(t):\n    import subprocess\n    return subprocess.run(['id']).stdout\n",
        EXCEPTION,
    ),
    attack(
        "import_ctypes_segfault",
        "def solve(t):\n    import ctypes\n    return ctypes.string_at(0)\n",
        EXCEPTION,
    ),
    attack("import_socket_tcp", "def solve(t):\n    import socket\n    return 1\n", EXCEPTION),
    attack(
        "import_os_for_fork_exec_kill",
        "def solve(t):\n    from os import fork, execv, kill\n    return 1\n",
        EXCEPTION,
    ),
    # escapes through the curated imports
    attack(
        "re_enum_sys",
        "import re\n\ndef solve(t):\n    s = re.enum.sys\n    return 'ESCAPED'\n",
        EXCEPTION,
        error_contains="AttributeError",
    ),
    attack(
        "from_re_import_enum", "from re import enum\n\ndef solve(t):\n    return 1\n", "runtime"
    ),
    attack("import_dotted_submodule", "import re.enum\n\ndef solve(t):\n    return 1\n", "runtime"),
    attack(
        "json_decoder_module",
        "import json\n\ndef solve(t):\n    d = json.decoder\n    return 'ESCAPED'\n",
        EXCEPTION,
    ),
    attack(
        "datetime_sys",
        "import datetime\n\ndef solve(t):\n    s = datetime.sys\n    return 'ESCAPED'\n",
        EXCEPTION,
    ),
    attack(
        "collections_abc_module",
        "import collections\n\ndef solve(t):\n    a = collections.abc\n    return 'ESCAPED'\n",
        EXCEPTION,
    ),
    attack(
        "lazily_imported_internal_module",
        "from _strptime import calendar\n\ndef solve(t):\n    return 'ESCAPED'\n",
        "runtime",
        error_contains="ImportError",
    ),
    attack(
        "builtin_function_self",
        "import math\n\ndef solve(t):\n    m = getattr(math.sqrt, '__self__')\n"
        "    return 'ESCAPED'\n",
        EXCEPTION,
    ),
    attack(
        "poison_shared_module",
        "import re\n\ndef solve(t):\n    re.findall = None\n    return 'ESCAPED'\n",
        EXCEPTION,
        error_contains="modified",
    ),
    attack(
        "poison_builtin_type",
        "def solve(t):\n    str.lower = None\n    return 'ESCAPED'\n",
        EXCEPTION,
    ),
    attack(
        "match_class_pattern_attribute",
        "def solve(t):\n    match t:\n        case str(__class__=c):\n            return c\n",
        POLICY,
    ),
    attack(
        "except_star",
        "def solve(t):\n    try:\n        pass\n    except* ValueError:\n        pass\n",
        POLICY,
    ),
    # process, exits, crashes
    attack("system_exit", "def solve(t):\n    raise SystemExit(3)\n", EXCEPTION),
    attack("exit_builtin", "def solve(t):\n    exit(3)\n", EXCEPTION),
    attack(
        "os_underscore_exit",
        "def solve(t):\n    import os\n    os._exit(3)\n",
        POLICY,
    ),
    attack(
        "deep_recursion",
        "def solve(t):\n    return solve(t)\n",
        EXCEPTION,
        error_contains="RecursionError",
    ),
    attack(
        "memory_bomb_single",
        "def solve(t):\n    return 'x' * (10 ** 10)\n",
        EXCEPTION,
        error_contains="MemoryError",
    ),
    attack(
        "huge_output",
        "def solve(t):\n    return 'ESCAPED' * (10 ** 7)\n",
        "output_too_large",
    ),
    attack(
        "huge_output_list",
        "def solve(t):\n    return ['ESCAPED'] * (10 ** 7)\n",
        "output_too_large",
    ),
    attack(
        "deeply_nested_return",
        "def solve(t):\n    x = ['ESCAPED']\n    for i in range(100000):\n        x = [x]\n"
        "    return x\n",
        "bad_output_type",
    ),
    attack(
        "answer_eq_always_true",
        "class Liar:\n    def __eq__(self, other):\n        return True\n\n"
        "def solve(t):\n    return Liar()\n",
        "bad_output_type",
    ),
    attack(
        "set_answer",
        "def solve(t):\n    return {'ESCAPED'}\n",
        "bad_output_type",
    ),
]


@pytest.mark.parametrize("case", ATTACKS, ids=str)
def test_attack_is_stopped_and_sandbox_still_serves(restricted: Armed, case: Attack) -> None:
    outcome = attempt(restricted.box, case.code)
    assert outcome.kind in case.stopped_as, outcome
    assert outcome.leaked() == [], outcome
    assert case.error_contains in (outcome.error or ""), outcome
    restricted.assert_still_serves()


SLOW_ATTACKS = [
    attack("infinite_loop", "def solve(t):\n    while True:\n        pass\n", "timeout"),
    attack(
        "loop_swallowing_base_exception",
        "def solve(t):\n    while True:\n        try:\n            while True:\n"
        "                pass\n        except:\n            pass\n",
        "timeout",
        error_contains="worker killed",
    ),
    attack(
        "long_c_level_loop",
        "def solve(t):\n    return sum(range(10 ** 11))\n",
        "timeout",
        error_contains="worker killed",
    ),
    attack(
        "long_c_level_sort",
        "def solve(t):\n    words = list(map(str, range(4000000)))\n"
        "    return len(sorted(words, reverse=True))\n",
        "timeout",
    ),
    attack(
        "memory_bomb_growing",
        "def solve(t):\n    hoard = []\n    while True:\n        hoard.append('x' * 10 ** 6)\n",
        "timeout",
        "exception",
    ),
    attack(
        "print_flood",
        "def solve(t):\n    while True:\n        print('ESCAPED' * 10000)\n",
        "timeout",
    ),
    attack(
        "timeout_caught_by_except_base_exception",
        "def solve(t):\n    try:\n        while True:\n            pass\n"
        "    except BaseException:\n        return 'ESCAPED'\n",
        "timeout",
        error_contains="raised NameError",
    ),
    attack(
        "timeout_caught_by_except_base_exception_at_load",
        "try:\n    while True:\n        pass\nexcept BaseException:\n    pass\n\n"
        "def solve(t):\n    return 1\n",
        "runtime",
        error_contains="timeout: module-level code ran longer",
    ),
    attack(
        "module_level_infinite_loop",
        "while True:\n    pass\n\ndef solve(t):\n    return 1\n",
        "runtime",
        error_contains="timeout",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW_ATTACKS, ids=str)
def test_slow_attack_is_stopped_and_sandbox_still_serves(restricted: Armed, case: Attack) -> None:
    outcome = attempt(restricted.box, case.code)
    assert outcome.kind in case.stopped_as, outcome
    assert outcome.leaked() == [], outcome
    assert case.error_contains in (outcome.error or ""), outcome
    restricted.assert_still_serves()


def test_str_subclass_answer_arrives_as_exact_str(restricted: Armed) -> None:
    code = (
        "class Sly(str):\n    def __eq__(self, other):\n        return True\n\n"
        "def solve(t):\n    return Sly('real answer')\n"
    )
    outcome = attempt(restricted.box, code)
    assert outcome.kind == "ok"
    assert type(outcome.output) is str
    assert outcome.output == "real answer"
    assert outcome.output != "expected answer"
    restricted.assert_still_serves()


def test_list_subclass_answer_arrives_as_exact_list(restricted: Armed) -> None:
    code = (
        "class Sly(list):\n    def __eq__(self, other):\n        return True\n\n"
        "def solve(t):\n    return Sly(['a', Sly(['b'])])\n"
    )
    outcome = attempt(restricted.box, code)
    assert outcome.kind == "ok"
    assert type(outcome.output) is list
    assert type(outcome.output[1]) is list
    assert outcome.output == ["a", ["b"]]
    assert outcome.output != ["something", "else"]
    restricted.assert_still_serves()


def test_attack_count_meets_the_brief() -> None:
    assert len(ATTACKS) + len(SLOW_ATTACKS) >= 40
