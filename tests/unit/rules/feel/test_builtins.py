"""Built-in functions by group (DMN 1.5 §10.3.4)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kontor.rules.feel import Range, evaluate


def ev(text: str) -> Any:
    return evaluate(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('number("1,000.5", ",", ".")', Decimal("1000.5")),
        ('number("12")', Decimal(12)),
        ('number("x")', None),
        ('number("1 000,5", " ", ",")', Decimal("1000.5")),
        ("string(1.10)", "1.1"),
        ("string(true)", "true"),
        ('string([1, "a"])', '[1, "a"]'),
        ("string({a: 1})", "{a: 1}"),
        ("string(null)", None),
        ('duration("P2D")', evaluate('duration("PT48H")')),
        ('context([{key: "a", value: 1}])', {"a": Decimal(1)}),
        ('context([{key: "a", value: 1}, {key: "a", value: 2}])', None),
        ('range("[1..10)")', Range(Decimal(1), Decimal(10), True, False)),
        ('range("[3..1]")', None),
        ('range("x")', None),
    ],
)
def test_conversion(text: str, expected: Any) -> None:
    assert ev(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('substring("foobar", 3)', "obar"),
        ('substring("foobar", 3, 3)', "oba"),
        ('substring("foobar", -2, 1)', "a"),
        ('substring("🐎ab", 2)', "ab"),
        ('string length("🐎ab")', Decimal(3)),
        ('upper case("aBc")', "ABC"),
        ('lower case("aBc")', "abc"),
        ('substring before("foobar", "bar")', "foo"),
        ('substring before("foobar", "x")', ""),
        ('substring after("foobar", "ob")', "ar"),
        ('contains("foobar", "oba")', True),
        ('starts with("foobar", "foo")', True),
        ('ends with("foobar", "bar")', True),
        ('matches("foobar", "^fo*b")', True),
        ('matches("FOO", "foo", "i")', True),
        ('replace("abcd", "(ab)|(a)", "[1=$1][2=$2]")', "[1=ab][2=]cd"),
        ('replace("a.b.c", ".", "-", "q")', "a-b-c"),
        ('split("a,b,,c", ",")', ["a", "b", "", "c"]),
        ('split("John Doe", "\\s")', ["John", "Doe"]),
        ('string join(["a", null, "c"], "-")', "a-c"),
        ('string join(["a", "b"])', "ab"),
        ('string join(["a", 1])', None),
    ],
)
def test_strings(text: str, expected: Any) -> None:
    assert ev(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("list contains([1, null], null)", True),
        ("count([1, 2, 3])", Decimal(3)),
        ("min([3, 1, 2])", Decimal(1)),
        ("max(3, 1, 2)", Decimal(3)),
        ('max(["a", "c", "b"])', "c"),
        ("min([])", None),
        ('min([1, "a"])', None),
        ("sum([1, 2, 3])", Decimal(6)),
        ("sum([])", None),
        ("mean([1, 2, 3, 4])", Decimal("2.5")),
        ("all([true, true])", True),
        ("all([true, null])", None),
        ("all([])", True),
        ("any([false, true])", True),
        ("any([])", False),
        ("sublist([1, 2, 3], 2)", [2, 3]),
        ("sublist([1, 2, 3], 1, 2)", [1, 2]),
        ("append([1], 2, 3)", [1, 2, 3]),
        ("concatenate([1], [2], [3])", [1, 2, 3]),
        ("insert before([1, 3], 2, 2)", [1, 2, 3]),
        ("remove([1, 2, 3], 2)", [1, 3]),
        ("reverse([1, 2, 3])", [3, 2, 1]),
        ("index of([1, 2, 1], 1)", [1, 3]),
        ("union([1, 2], [2, 3])", [1, 2, 3]),
        ("distinct values([1, 2, 1, 2])", [1, 2]),
        ("flatten([1, [2, [3]]])", [1, 2, 3]),
        ("product([2, 3, 4])", Decimal(24)),
        ("median([3, 1, 2, 4])", Decimal("2.5")),
        ("mode([1, 2, 2, 3, 3])", [2, 3]),
        ("list replace([1, 2, 3], 2, 9)", [1, 9, 3]),
        ("list replace([1, 2, 3], function(item, newItem) item > 1, 0)", [1, 0, 0]),
        ("sort([3, 1, 2])", [1, 2, 3]),
        ("sort(list: [3, 1, 2], precedes: function(x, y) x > y)", [3, 2, 1]),
        ('string join(sort(["b", "a"]), ",")', "a,b"),
    ],
)
def test_lists(text: str, expected: Any) -> None:
    assert ev(text) == expected


def test_stddev() -> None:
    assert ev("stddev([2, 4, 7, 5])").quantize(Decimal("0.0000001")) == Decimal("2.0816660")
    assert ev("stddev([1])") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("decimal(1/3, 2)", Decimal("0.33")),
        ("decimal(2.5, 0)", Decimal(2)),
        ("floor(-1.5)", Decimal(-2)),
        ("floor(1.56, 1)", Decimal("1.5")),
        ("ceiling(1.01)", Decimal(2)),
        ("ceiling(-1.56, 1)", Decimal("-1.5")),
        ("floor(1.5, null)", None),
        ("round up(5.5, 0)", Decimal(6)),
        ("round up(-5.5, 0)", Decimal(-6)),
        ("round down(5.5, 0)", Decimal(5)),
        ("round half up(-5.5, 0)", Decimal(-6)),
        ("round half down(5.5, 0)", Decimal(5)),
        ("round up(5.5, 6176)", Decimal("5.5")),
        ("abs(-3)", Decimal(3)),
        ("modulo(12, 5)", Decimal(2)),
        ("modulo(-12, 5)", Decimal(3)),
        ("modulo(12, -5)", Decimal(-3)),
        ("modulo(1, 0)", None),
        ("sqrt(16)", Decimal(4)),
        ("sqrt(-1)", None),
        ("odd(5)", True),
        ("even(5)", False),
        ("even(2.5)", None),
    ],
)
def test_numeric(text: str, expected: Any) -> None:
    assert ev(text) == expected


def test_log_and_exp() -> None:
    assert ev("log(exp(2))").quantize(Decimal("0.000001")) == Decimal("2.000000")
    assert ev("log(0)") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("before(1, 10)", True),
        ("before([1..5], 5)", False),
        ("before([1..5), 5)", True),
        ("before([1..5], [6..8])", True),
        ("after(10, [1..5])", True),
        ("meets([1..5], [5..10])", True),
        ("met by([5..10], [1..5])", True),
        ("overlaps([1..5], [3..8])", True),
        ("overlaps([1..5], [6..8])", False),
        ("overlaps before([1..5], [3..8])", True),
        ("overlaps after([3..8], [1..5])", True),
        ("finishes(5, [1..5])", True),
        ("finished by([1..5], [3..5])", True),
        ("includes([1..10], 5)", True),
        ("includes([1..10], [4..6])", True),
        ("during(5, [1..10])", True),
        ("starts(1, [1..5])", True),
        ("started by([1..5], [1..3])", True),
        ("coincides([1..5], [1..5])", True),
        ("coincides(point1: 1, point2: 2)", False),
        ("includes(range: (< 10), point: 5)", True),
        ("before(null, 1)", None),
    ],
)
def test_range_functions(text: str, expected: Any) -> None:
    assert ev(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('get value({a: 1}, "a")', Decimal(1)),
        ('get value({a: 1}, "b")', None),
        ("get entries({a: 1})", [{"key": "a", "value": Decimal(1)}]),
        ('context put({a: 1}, "b", 2)', {"a": Decimal(1), "b": Decimal(2)}),
        ('context put({a: {b: 1}}, ["a", "b"], 2)', {"a": {"b": Decimal(2)}}),
        ('context put(context: {a: {b: 1}}, key: ["a", "b"], value: 2)', None),
        ("context merge([{a: 1}, {b: 2}, {a: 3}])", {"a": Decimal(3), "b": Decimal(2)}),
    ],
)
def test_contexts(text: str, expected: Any) -> None:
    assert ev(text) == expected


def test_singleton_lists_stand_for_their_element() -> None:
    assert ev('upper case(["bob"])') == "BOB"
    assert ev('string join("a", "X")') == "a"
