"""The Python-level policy: RestrictedPython compilation plus the guarded globals code runs with.

RestrictedPython rewrites attribute, item, iteration and write access into calls of the guard
functions defined here and rejects, at compile time, names that start with ``_`` and the
frame-walking attributes (``gi_frame``, ``tb_frame``, ...). The guards repeat those checks at run
time, because ``getattr(x, "__cl" + "ass__")`` and ``"{0.__class__}".format(x)`` never show the
name to the compiler. The builtins are a curated table in which every entry says why it is safe.

Nothing reachable from the globals this module builds is a module, frame, code object,
traceback, ``type`` or ``object``, and no function's ``__globals__`` can be read;
``tests/sandbox/test_policy_reachability.py`` walks the object graph to prove it.
"""

from __future__ import annotations

import _string  # type: ignore[import-not-found]
import ast
import builtins
import operator
import string
import sys
import types
import unicodedata
import weakref
from collections import Counter, OrderedDict, defaultdict, deque
from collections.abc import Callable
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import (
    INSPECT_ATTRIBUTES,
    IOPERATOR_TO_STR,
    RestrictingNodeTransformer,
)

from self_distill.sandbox.arithmetic import evaluate_arithmetic
from self_distill.sandbox.safe_modules import SAFE_MODULES

SKILL_FILENAME = "<skill>"
SKILL_MODULE_NAME = "skill"
PRINT_LIMIT_CHARS = 64 * 1024

DENIED_ATTRIBUTES = frozenset(INSPECT_ATTRIBUTES) | {"mro"}
"""Attribute names refused everywhere: frame walking (``gi_frame``, ``f_globals``, ...) and
``mro``, which would hand out ``object``."""

DENIED_TYPES: tuple[type, ...] = (
    types.ModuleType,
    types.FrameType,
    types.CodeType,
    types.TracebackType,
)
"""Objects that must never be read through, should one ever become reachable."""

FORMAT_METHODS = frozenset({"format", "format_map"})
WRITABLE_CONTAINERS: tuple[type, ...] = (list, dict, set, bytearray, deque)


class CodeRejected(Exception):
    """The code cannot be loaded; ``kind`` is ``syntax``, ``policy`` or ``runtime``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


def _denied_name(name: str) -> bool:
    for candidate in {name, unicodedata.normalize("NFKC", name)}:
        if candidate.startswith("_") or candidate in DENIED_ATTRIBUTES:
            return True
        if candidate.endswith("__roles__"):
            return True
        if candidate in FORMAT_METHODS and candidate != name:
            return True
    return False


def guarded_getattr(obj: Any, name: Any, *default: Any) -> Any:
    """``getattr`` for sandboxed code: refuses private, dunder and frame-walking names.

    A refused name raises ``AttributeError`` even when a default is given, so a probing skill
    learns nothing. ``str.format``/``format_map`` come back as :func:`safe_format` equivalents.
    """
    if type(name) is not str:
        raise TypeError("attribute name must be a str")
    if _denied_name(name) or isinstance(obj, DENIED_TYPES):
        raise AttributeError(
            f"attribute {name!r} of a {type(obj).__name__} is not accessible in the sandbox"
        )
    if name in FORMAT_METHODS:
        if isinstance(obj, str):
            return _bound_format(obj, name)
        if isinstance(obj, type) and issubclass(obj, str):
            return _unbound_format(name)
    return getattr(obj, name, *default)


def guarded_getitem(obj: Any, key: Any) -> Any:
    """``obj[key]`` for sandboxed code (RestrictedPython routes every subscript here)."""
    if isinstance(obj, DENIED_TYPES):
        raise TypeError(f"a {type(obj).__name__} cannot be subscripted in the sandbox")
    return obj[key]


def guarded_iter(obj: Any, *sentinel: Any) -> Any:
    """``iter`` for sandboxed code; every ``for`` loop and comprehension goes through it."""
    if isinstance(obj, DENIED_TYPES):
        raise TypeError(f"a {type(obj).__name__} cannot be iterated in the sandbox")
    return iter(obj, *sentinel)


_SKILL_CLASSES: weakref.WeakSet[type] = weakref.WeakSet()


def skill_class(name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kw: Any) -> type:
    """Metaclass hook for ``class`` statements in sandboxed code; remembers the new class."""
    cls = type(name, bases, namespace, **kw)
    _SKILL_CLASSES.add(cls)
    return cls


def guarded_write(obj: Any) -> Any:
    """Allow ``obj.x = ...``/``obj[k] = ...`` only on plain containers and skill-made objects.

    Everything shared between skills (curated namespaces, library classes, functions) stays
    unmodifiable, so one skill cannot change what another one sees.
    """
    if type(obj) in WRITABLE_CONTAINERS or isinstance(obj, (Counter, OrderedDict, defaultdict)):
        return obj
    if type(obj) in _SKILL_CLASSES or (isinstance(obj, type) and obj in _SKILL_CLASSES):
        return obj
    raise TypeError(f"a {type(obj).__name__} cannot be modified in the sandbox")


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "|=": operator.ior,
    "^=": operator.ixor,
    "&=": operator.iand,
    "@=": operator.imatmul,
}


def inplace_var(op: str, target: Any, value: Any) -> Any:
    """Augmented assignment (``x += y``) as RestrictedPython emits it."""
    return _INPLACE[op](target, value)


def apply_call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Calls with ``*args``/``**kwargs``, which RestrictedPython routes through ``_apply_``."""
    return function(*args, **kwargs)


class _GuardedFormatter(string.Formatter):
    """``str.format`` semantics with every ``{0.attr}``/``{0[key]}`` step sent through guards."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[Any, Any]:
        first, rest = _string.formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attribute, key in rest:
            obj = guarded_getattr(obj, key) if is_attribute else guarded_getitem(obj, key)
        return obj, first


_FORMATTER = _GuardedFormatter()


def safe_format(template: str, /, *args: Any, **kwargs: Any) -> str:
    """``template.format(*args, **kwargs)`` without the C-level attribute lookups."""
    return _FORMATTER.vformat(str.__str__(template), args, kwargs)


def safe_format_map(template: str, mapping: Any, /) -> str:
    """``template.format_map(mapping)`` without the C-level attribute lookups."""
    return _FORMATTER.vformat(str.__str__(template), (), mapping)


def _bound_format(template: str, name: str) -> Callable[..., str]:
    if name == "format":
        return lambda *args, **kwargs: safe_format(template, *args, **kwargs)
    return lambda mapping: safe_format_map(template, mapping)


def _unbound_format(name: str) -> Callable[..., str]:
    return safe_format if name == "format" else safe_format_map


class PrintCollector:
    """Where ``print`` inside sandboxed code writes: a bounded buffer read back as ``printed``."""

    def __init__(self, _getattr_: Any = None) -> None:
        self._parts: list[str] = []
        self._size = 0

    def write(self, text: str) -> None:
        if self._size < PRINT_LIMIT_CHARS:
            piece = str(text)[: PRINT_LIMIT_CHARS - self._size]
            self._parts.append(piece)
            self._size += len(piece)

    def __call__(self) -> str:
        return "".join(self._parts)

    def clear(self) -> None:
        """Forget what was printed (a REPL reads and clears it after every cell)."""
        self._parts.clear()
        self._size = 0

    def _call_print(self, *objects: Any, **kwargs: Any) -> None:
        kwargs["file"] = self
        print(*objects, **kwargs)


def curated_import(
    name: str,
    globals: Any = None,
    locals: Any = None,
    fromlist: Any = (),
    level: int = 0,
) -> Any:
    """``__import__`` for sandboxed code: a curated namespace, never a module object.

    C code inside the standard library (``date.strftime`` imports ``time``) imports through the
    caller's ``__import__`` only for the side effect, passing a *list* as ``fromlist``; such an
    import gets ``None`` when the module is already loaded. Sandboxed code cannot call
    ``__import__`` itself (the name starts with ``_``) and ``import`` statements never pass a list.
    """
    if type(fromlist) is list:
        if name in sys.modules:
            return None
        raise ImportError(f"module {name!r} is not available in the sandbox")
    if level != 0:
        raise ImportError("relative imports are not available in the sandbox")
    namespace = SAFE_MODULES.get(name)
    if namespace is None:
        allowed = ", ".join(sorted(SAFE_MODULES))
        raise ImportError(
            f"module {name!r} is not available in the sandbox; importable modules: {allowed}"
        )
    return namespace


_ITERATES_IN_C = "iterates its argument in C, so elements bypass _getiter_"
_HARMLESS_ITERATION = "; elements are only compared, counted or collected, never dereferenced"
_EXCEPTION = "exception class, for raise and except clauses"

CURATED_BUILTINS: dict[str, str] = {
    "abs": "arithmetic on a value",
    "all": _ITERATES_IN_C + _HARMLESS_ITERATION,
    "any": _ITERATES_IN_C + _HARMLESS_ITERATION,
    "ascii": "repr with escapes; only the object's own __repr__ runs",
    "bin": "integer formatting",
    "bool": "constructor of a value type",
    "bytes": "constructor; " + _ITERATES_IN_C + _HARMLESS_ITERATION,
    "callable": "answers a yes/no question, reads no attribute for the caller",
    "chr": "integer to character",
    "classmethod": "decorator for skill-defined classes",
    "complex": "constructor of a value type",
    "dict": "constructor; " + _ITERATES_IN_C + _HARMLESS_ITERATION,
    "divmod": "arithmetic",
    "enumerate": _ITERATES_IN_C + "; it yields the same elements a for loop would",
    "eval": "replaced by evaluate_arithmetic: number literals and operators, nothing executed",
    "filter": _ITERATES_IN_C + "; the predicate is the caller's own function",
    "float": "constructor of a value type",
    "format": "format(value, spec): a format spec cannot look up attributes",
    "frozenset": "constructor; " + _ITERATES_IN_C + _HARMLESS_ITERATION,
    "getattr": "replaced by guarded_getattr (same checks as attribute syntax)",
    "hasattr": "answers True/False only; the attribute value never reaches the caller",
    "hash": "hash of a value",
    "hex": "integer formatting",
    "int": "constructor of a value type",
    "isinstance": "type test; hands out no type object",
    "issubclass": "type test; hands out no type object",
    "iter": "replaced by guarded_iter (same checks as for loops)",
    "len": "size of a container",
    "list": "constructor; " + _ITERATES_IN_C + _HARMLESS_ITERATION,
    "map": _ITERATES_IN_C + "; the function is the caller's own",
    "max": _ITERATES_IN_C + _HARMLESS_ITERATION,
    "min": _ITERATES_IN_C + _HARMLESS_ITERATION,
    "next": "advances an iterator the caller already holds",
    "oct": "integer formatting",
    "ord": "character to integer",
    "pow": "arithmetic (huge exponents run in C; the host's hard kill bounds them)",
    "property": "decorator for skill-defined classes",
    "range": "lazy integer sequence",
    "repr": "only the object's own __repr__ runs",
    "reversed": "reverse iterator over a sequence the caller holds",
    "round": "arithmetic",
    "set": "constructor; " + _ITERATES_IN_C + _HARMLESS_ITERATION,
    "slice": "slice object for subscripts",
    "sorted": _ITERATES_IN_C + _HARMLESS_ITERATION + "; a long sort is bounded by the hard kill",
    "staticmethod": "decorator for skill-defined classes",
    "str": "constructor of a value type; str.format is replaced by guarded_getattr",
    "sum": _ITERATES_IN_C + _HARMLESS_ITERATION,
    "super": "method resolution inside skill classes; its attributes go through guards",
    "tuple": "constructor; " + _ITERATES_IN_C + _HARMLESS_ITERATION,
    "zip": _ITERATES_IN_C + "; it yields the same elements a for loop would",
    "Ellipsis": "constant",
    "NotImplemented": "constant returned by comparison methods",
    "ArithmeticError": _EXCEPTION,
    "AssertionError": _EXCEPTION,
    "AttributeError": _EXCEPTION,
    "Exception": _EXCEPTION,
    "ImportError": _EXCEPTION,
    "IndexError": _EXCEPTION,
    "KeyError": _EXCEPTION,
    "LookupError": _EXCEPTION,
    "MemoryError": _EXCEPTION,
    "NameError": _EXCEPTION,
    "NotImplementedError": _EXCEPTION,
    "OverflowError": _EXCEPTION,
    "RecursionError": _EXCEPTION,
    "RuntimeError": _EXCEPTION,
    "StopIteration": _EXCEPTION,
    "TypeError": _EXCEPTION,
    "UnicodeDecodeError": _EXCEPTION,
    "UnicodeEncodeError": _EXCEPTION,
    "UnicodeError": _EXCEPTION,
    "ValueError": _EXCEPTION,
    "ZeroDivisionError": _EXCEPTION,
    "__build_class__": "needed by class statements; unreachable by name (leading underscore)",
    "__import__": "replaced by curated_import; unreachable by name (leading underscore)",
}
"""Every builtin sandboxed code gets, with the reason it is safe. Deliberately absent: ``open``,
``exec``, ``compile``, ``input``, ``breakpoint``, ``globals``, ``locals``, ``vars``, ``dir``,
``type``, ``object``, ``id``, ``setattr``, ``delattr``, ``memoryview``, ``exit``, ``quit``,
``help``, ``BaseException`` and the exceptions that end a program. ``eval`` is present but is
not Python's (see :mod:`self_distill.sandbox.arithmetic`)."""

_REPLACEMENTS: dict[str, Any] = {
    "eval": evaluate_arithmetic,
    "getattr": guarded_getattr,
    "iter": guarded_iter,
    "__import__": curated_import,
}

_CURATED_BUILTINS_TABLE: dict[str, Any] = {
    name: _REPLACEMENTS.get(name, getattr(builtins, name, None)) for name in CURATED_BUILTINS
}


def restricted_globals() -> dict[str, Any]:
    """Fresh globals for one piece of restricted code (nothing mutable is shared between codes)."""
    return {
        "__builtins__": dict(_CURATED_BUILTINS_TABLE),
        "__name__": SKILL_MODULE_NAME,
        "__metaclass__": skill_class,
        "_getattr_": guarded_getattr,
        "_getitem_": guarded_getitem,
        "_getiter_": guarded_iter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": guarded_write,
        "_inplacevar_": inplace_var,
        "_apply_": apply_call,
        "_print_": PrintCollector,
    }


def unrestricted_globals() -> dict[str, Any]:
    """Globals with the real builtins: for the test-only mode with RestrictedPython switched off."""
    return {"__builtins__": builtins, "__name__": SKILL_MODULE_NAME}


def _name(identifier: str) -> ast.Name:
    return ast.Name(identifier, ast.Load())


def _call(function: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=_name(function), args=list(args), keywords=[])


class SkillPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus ``eval`` calls and augmented assignment to attributes and
    items.

    ``eval`` is the builtin :func:`evaluate_arithmetic` here (arithmetic on literals, nothing
    executed), so calling it is allowed; ``exec`` stays refused.

    RestrictedPython refuses ``counts[word] += 1`` and ``self.total += x`` outright, yet model
    code writes them constantly. They are rewritten with the same guards as their long forms,
    evaluating the object and key once, as Python does::

        _tmp0 = <object>; _tmp1 = <key>
        _write_(_tmp0)[_tmp1] = _inplacevar_("+=", _getitem_(_tmp0, _tmp1), <value>)
    """

    def visit_Call(self, node: ast.Call) -> Any:
        function = node.func
        if not (isinstance(function, ast.Name) and function.id == "eval"):
            return super().visit_Call(node)
        # The base class refuses any call of a name spelled "eval"; hide the spelling from that
        # one check, then restore it on the same Name node wherever the rewrite has put it.
        function.id = "evaluate_arithmetic"
        try:
            return super().visit_Call(node)
        finally:
            function.id = "eval"

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        target = node.target
        if not isinstance(target, (ast.Attribute, ast.Subscript)):
            return super().visit_AugAssign(node)
        if isinstance(target, ast.Attribute) and (
            (target.attr.startswith("_") and target.attr != "_")
            or target.attr.endswith("__roles__")
            or target.attr in INSPECT_ATTRIBUTES
        ):
            self.error(node, f'"{target.attr}" is an invalid attribute name.')
            return node
        obj_name = self.gen_tmp_name()
        statements: list[ast.stmt] = [
            ast.Assign(targets=[ast.Name(obj_name, ast.Store())], value=self.visit(target.value))
        ]
        store: ast.expr
        if isinstance(target, ast.Attribute):
            current: ast.expr = _call("_getattr_", _name(obj_name), ast.Constant(target.attr))
            store = ast.Attribute(_call("_write_", _name(obj_name)), target.attr, ast.Store())
        else:
            key: ast.expr = target.slice
            if isinstance(key, ast.Slice):
                none = ast.Constant(None)
                key = _call("slice", key.lower or none, key.upper or none, key.step or none)
            key_name = self.gen_tmp_name()
            statements.append(
                ast.Assign(targets=[ast.Name(key_name, ast.Store())], value=self.visit(key))
            )
            current = _call("_getitem_", _name(obj_name), _name(key_name))
            store = ast.Subscript(_call("_write_", _name(obj_name)), _name(key_name), ast.Store())
        operator_text = ast.Constant(IOPERATOR_TO_STR[type(node.op)])
        value = _call("_inplacevar_", operator_text, current, self.visit(node.value))
        statements.append(ast.Assign(targets=[store], value=value))
        for statement in statements:
            ast.fix_missing_locations(ast.copy_location(statement, node))
        return statements


def _parse(code: str) -> ast.Module:
    try:
        return ast.parse(code, filename=SKILL_FILENAME)
    except SyntaxError as error:
        raise CodeRejected("syntax", f"line {error.lineno}: {error.msg}") from None
    except (RecursionError, MemoryError, ValueError) as error:
        raise CodeRejected("syntax", f"the code cannot be parsed: {error}") from None


def compile_code(code: str, restricted: bool = True) -> types.CodeType:
    """Compile ``code`` under the policy; raise :class:`CodeRejected` (``syntax``/``policy``)."""
    return _compile_tree(_parse(code), restricted)


def _compile_tree(tree: ast.Module, restricted: bool) -> types.CodeType:
    if not restricted:
        return compile(tree, SKILL_FILENAME, "exec")
    try:
        result = compile_restricted_exec(tree, filename=SKILL_FILENAME, policy=SkillPolicy)
    except (RecursionError, MemoryError) as error:
        raise CodeRejected("syntax", f"the code is too deeply nested to compile: {error}") from None
    if result.errors or result.code is None:
        raise CodeRejected("policy", "; ".join(result.errors[:5]) or "RestrictedPython refused")
    return result.code


def compile_cell(
    code: str, restricted: bool = True
) -> tuple[types.CodeType, types.CodeType | None]:
    """Compile a REPL cell: its statements, and its last expression apart (None if it has none).

    The caller shows the value of that expression, as an interactive interpreter does, so a
    cell ending in ``len(text)`` reports the length without a ``print``. Both parts pass the
    same policy as :func:`compile_code`.
    """
    tree = _parse(code)
    last: ast.expr | None = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body.pop().value
    body = _compile_tree(tree, restricted)
    if last is None:
        return body, None
    expression = ast.Expression(last)
    if not restricted:
        return body, compile(expression, SKILL_FILENAME, "eval")
    try:
        result = compile_restricted_eval(expression, filename=SKILL_FILENAME, policy=SkillPolicy)
    except (RecursionError, MemoryError) as error:
        raise CodeRejected("syntax", f"the code is too deeply nested to compile: {error}") from None
    if result.errors or result.code is None:
        raise CodeRejected("policy", "; ".join(result.errors[:5]) or "RestrictedPython refused")
    return body, result.code


def defined_functions(namespace: dict[str, Any]) -> tuple[str, ...]:
    """Names of the top-level functions the code itself defined (not imported ones)."""
    return tuple(
        sorted(
            name
            for name, value in namespace.items()
            if not name.startswith("_")
            and isinstance(value, types.FunctionType)
            and value.__code__.co_filename == SKILL_FILENAME
        )
    )
