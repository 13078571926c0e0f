"""Converting returned values to exact built-in JSON types inside the worker."""

from __future__ import annotations

from typing import Any

import pytest

from self_distill.sandbox.outputs import MAX_DEPTH, OutputRejected, to_plain

LIMIT = 10_000


class SlyStr(str):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__

    def __str__(self) -> str:
        return "lie"


class SlyInt(int):
    def __index__(self) -> int:
        return 999


class SlyList(list):  # type: ignore[type-arg]
    def __iter__(self) -> Any:
        return iter(["lie"])


class SlyDict(dict):  # type: ignore[type-arg]
    def items(self) -> Any:
        return [("lie", 1)]


@pytest.mark.parametrize(
    "value", [None, True, False, 0, -7, 2.5, "text", [], {}, [1, "a", None], {"k": [1, {"n": 2}]}]
)
def test_plain_values_pass_unchanged(value: Any) -> None:
    assert to_plain(value, LIMIT) == value


def test_subclasses_become_exact_types_through_base_slots() -> None:
    converted = to_plain([SlyStr("real"), SlyInt(5), SlyList(["a"]), SlyDict(k=1)], LIMIT)
    assert converted == ["real", 5, ["a"], {"k": 1}]
    assert [type(item) for item in converted] == [str, int, list, dict]


def test_dict_subclass_keys_become_exact_str() -> None:
    converted = to_plain({SlyStr("key"): 1}, LIMIT)
    assert list(converted) == ["key"]
    assert type(next(iter(converted))) is str


def test_tuples_become_lists() -> None:
    assert to_plain((1, (2, 3)), LIMIT) == [1, [2, 3]]


@pytest.mark.parametrize(
    "value",
    [object(), {1, 2}, b"bytes", 1j, {1: "int key"}, [len], {"k": object()}],
)
def test_other_types_are_refused(value: Any) -> None:
    with pytest.raises(OutputRejected) as caught:
        to_plain(value, LIMIT)
    assert caught.value.kind == "bad_output_type"


def test_an_object_whose_eq_lies_is_refused() -> None:
    class Liar:
        def __eq__(self, other: object) -> bool:
            return True

    with pytest.raises(OutputRejected, match="bad_output_type"):
        to_plain(Liar(), LIMIT)


def test_nesting_is_capped() -> None:
    value: list[Any] = []
    for _ in range(MAX_DEPTH + 5):
        value = [value]
    with pytest.raises(OutputRejected, match="nested deeper"):
        to_plain(value, LIMIT)


def test_size_is_capped_before_copying() -> None:
    with pytest.raises(OutputRejected) as caught:
        to_plain(["x"] * 100_000, LIMIT)
    assert caught.value.kind == "output_too_large"
    with pytest.raises(OutputRejected, match="output_too_large"):
        to_plain("x" * (LIMIT + 1), LIMIT)


def test_huge_integers_are_refused() -> None:
    with pytest.raises(OutputRejected, match="digits"):
        to_plain(10**5000, 10**6)
