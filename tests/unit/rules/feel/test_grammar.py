"""Grammar coverage: literals, names, contexts, lists, ranges, loops, filters, paths, functions."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest

from kontor.rules.feel import DaysTimeDuration, Range, YearsMonthsDuration, compile_expression


def ev(text: str, names: dict[str, Any] | None = None) -> Any:
    scope = names or {}
    return compile_expression(text, scope.keys()).evaluate(scope)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", Decimal(42)),
        ("-1.5", Decimal("-1.5")),
        (".5", Decimal("0.5")),
        ("1.23e4", Decimal(12300)),
        ("1.23e-4", Decimal("0.000123")),
        ('"hello"', "hello"),
        (r'"a\"b"', 'a"b'),
        (r'"line\nbreak"', "line\nbreak"),
        (r'"\u00e4"', "ä"),
        (r'"\ud83d\udc0e"', "🐎"),
        (r'"\U01F40E"', "🐎"),
        ("true", True),
        ("false", False),
        ("null", None),
        ('@"2024-01-31"', date(2024, 1, 31)),
        ('@"10:30:00"', time(10, 30)),
        ('@"2024-01-31T10:30:00"', datetime(2024, 1, 31, 10, 30)),
        ('@"P1DT2H"', DaysTimeDuration(26 * 3600)),
        ('@"P1Y2M"', YearsMonthsDuration(14)),
    ],
)
def test_literals(text: str, expected: Any) -> None:
    assert ev(text) == expected


def test_precedence_and_exponent() -> None:
    assert ev("1 + 2 * 3") == 7
    assert ev("(1 + 2) * 3") == 9
    assert ev("2 ** 3 ** 2") == 64  # left associative as in the TCK
    assert ev("-3 ** 2") == 9
    assert ev("10 - 2 - 3") == 5
    assert ev("2 * 3 ** 2") == 18
    assert ev("1 + 2 > 2 and 3 < 4") is True


def test_comments_are_ignored() -> None:
    assert ev("1 + // one line\n 2 /* block */ + 3") == 6


def test_names_with_spaces_and_operator_characters() -> None:
    scope = {"Applicant Age": Decimal(30), "Date-Time": Decimal(2), "a+b": Decimal(5)}
    assert ev("Applicant Age + Date-Time", scope) == 32
    assert ev("a+b * 2", scope) == 10
    # unknown multi-word names are still read as one name
    assert compile_expression("Monthly Salary * 12").evaluate({"Monthly Salary": Decimal(2)}) == 24


def test_known_names_match_across_line_breaks() -> None:
    assert ev('date and\n   time("2020-01-01T10:00:00").hour') == 10


def test_contexts_refer_to_earlier_entries() -> None:
    assert ev('{a: 1, "b c": a + 1, d e: b c * 2}') == {
        "a": Decimal(1),
        "b c": Decimal(2),
        "d e": Decimal(4),
    }
    assert ev("{foo+bar: 1}") == {"foo+bar": Decimal(1)}
    assert ev("{🐎: 1}") == {"🐎": Decimal(1)}
    assert ev("{}") == {}


def test_duplicate_context_keys_give_null() -> None:
    assert ev("{a: 1, a: 2}") is None


def test_lists_and_nested_lists() -> None:
    assert ev("[1, [2, 3], []]") == [Decimal(1), [Decimal(2), Decimal(3)], []]


@pytest.mark.parametrize(
    ("text", "start_included", "end_included"),
    [("[1..10]", True, True), ("(1..10)", False, False), ("]1..10[", False, False),
     ("[1..10)", True, False), ("(1..10]", False, True)],
)  # fmt: skip
def test_range_literals(text: str, start_included: bool, end_included: bool) -> None:
    assert ev(text) == Range(Decimal(1), Decimal(10), start_included, end_included)


def test_open_ranges_written_as_comparisons() -> None:
    assert ev("(< 5)") == Range(None, Decimal(5), False, False)
    assert ev("(>= 5)") == Range(Decimal(5), None, True, False)


def test_equal_and_not_equal_ranges_are_their_own_kind() -> None:
    assert ev("(= 10) = (= 10)") is True
    assert ev("(= 10) = [10..10]") is False
    assert ev("(!= 10) = (!= 10)") is True
    assert ev("(!= 10) = (= 10)") is False
    assert ev("[5 in (!= 10), 10 in (!= 10), 10 in (= 10)]") == [True, False, True]
    assert ev("string((!= 10))") == "(!= 10)"
    assert ev("before(1, (!= 10))") is None  # no bounds to compare
    assert ev("for x in (!= 10) return x") is None


def test_if_then_else() -> None:
    assert ev('if 1 > 2 then "a" else "b"') == "b"
    assert ev('if null then "a" else "b"') == "b"
    assert ev("1 + if true then 1 else 2") == 2


def test_for_loops() -> None:
    assert ev("for x in [1, 2, 3] return x * 2") == [2, 4, 6]
    assert ev("for x in [1, 2], y in [10, 20] return x + y") == [11, 21, 12, 22]
    assert ev("for i in 1..3 return i") == [1, 2, 3]
    assert ev("for i in 3..1 return i") == [3, 2, 1]
    assert ev("for i in [1..3] return i") == [1, 2, 3]
    assert ev("for x in [] return x") == []
    assert ev("for i in 0..4 return if i = 0 then 1 else i * partial[-1]") == [1, 1, 2, 6, 24]
    assert ev("for x in [1, 2], y in x..3 return y") == [1, 2, 3, 2, 3]


def test_for_keeps_closures_per_iteration() -> None:
    assert ev("for f in (for i in 1..3 return function(x) x + i) return f(10)") == [11, 12, 13]


def test_quantified_expressions() -> None:
    assert ev("some x in [1, 2, 3] satisfies x > 2") is True
    assert ev("every x in [1, 2, 3] satisfies x > 2") is False
    assert ev("every x in [1, 2], y in [3, 4] satisfies x < y") is True
    assert ev("some x in [] satisfies x > 0") is False
    assert ev("every x in [] satisfies x > 0") is True


def test_filters_with_conditions_and_indexes() -> None:
    assert ev("[1, 2, 3, 4][item > 2]") == [3, 4]
    assert ev("[1, 2, 3][1]") == 1
    assert ev("[1, 2, 3][-1]") == 3
    assert ev("[1, 2, 3][4]") is None
    assert ev("[1, 2, 3][0]") is None
    assert ev("[{a: 1}, {a: 2}][a > 1]") == [{"a": Decimal(2)}]
    assert ev("[{item: 1}, {item: 2}][item >= 2]") == [{"item": Decimal(2)}]
    assert ev("5[1]") == 5
    assert ev("[1, 2, 3][x]", {"x": Decimal(2)}) == 2
    assert ev("[[1, 2], [3]][1][2]") == 2


def test_paths() -> None:
    assert ev("{a: {b: 1}}.a.b") == 1
    assert ev("[{a: 1}, {a: 2}].a") == [1, 2]
    assert ev("x.y", {"x": {"y": Decimal(3)}}) == 3
    assert ev("{a: 1}.missing") is None
    assert ev('date("2024-02-29").year') == 2024
    assert ev('time("10:30:00+05:00").time offset') == DaysTimeDuration(5 * 3600)
    assert ev('duration("P2DT3H").hours') == 3
    assert ev("[1..5].start included") is True


def test_function_definitions_and_invocations() -> None:
    assert ev("(function(a, b) a - b)(5, 3)") == 2
    assert ev("{f: function(a, b) a - b, r: f(b: 5, a: 3)}.r") == -2
    assert ev("{fact: function(n) if n <= 1 then 1 else n * fact(n - 1), r: fact(5)}.r") == 120
    assert ev("{f: function(x: number) x * 2}.f(4)") == 8
    assert ev("{add: function(x) function(y) x + y}.add(1)(2)") == 3


def test_named_arguments_for_builtins() -> None:
    assert ev('substring(string: "foobar", start position: 3, length: 2)') == "ob"
    assert ev(
        'number(from: "1.000,5", grouping separator: ".", decimal separator: ",")'
    ) == Decimal("1000.5")


def test_external_functions_are_rejected_softly() -> None:
    warnings: list[Any] = []
    text = '{f: function(x) external {java: {class: "java.lang.Math", method signature: "abs"}}}'
    compiled = compile_expression(text + ".f(1)")
    assert compiled.evaluate({}, warnings) is None
    assert any(warning.code == "unsupported-external" for warning in warnings)


def test_instance_of() -> None:
    assert ev("1 instance of number") is True
    assert ev('"a" instance of number') is False
    assert ev("[1, 2] instance of list<number>") is True
    assert ev("{a: 1} instance of context<a: number>") is True
    assert ev('date and time("2020-01-01T00:00:00") instance of date and time') is True
    assert ev("(function(a) a) instance of function<Any>->Any") is True
    assert ev("null instance of Null") is True
    assert ev("[1..2] instance of range<number>") is True


def test_between_and_in() -> None:
    assert ev("5 between 1 and 10") is True
    assert ev("5 between 6 and 10") is False
    assert ev('"b" between "a" and "c"') is True
    assert ev("5 in [1..10]") is True
    assert ev("5 in (1, 2, 5)") is True
    assert ev("5 in (< 3, > 4)") is True
    assert ev("5 in [1, 2, 3]") is False
    assert ev("5 in <= 5") is True
    assert ev("5 in (1..5)") is False
    assert ev("1 in [[2..4], [1..3]]") is True
    assert ev("5 in (null..10]") is None


def test_typed_parameters_coerce_arguments() -> None:
    assert ev('{fn: function(arg: number) arg, r: fn("foo")}.r') is None
    assert ev("{fn: function(arg: number) arg, r: fn(10)}.r") == 10
    assert ev("{fn: function(arg: number) arg, r: fn([7])}.r") == 7
    assert ev("{fn: function(arg: list<number>) count(arg), r: fn(10)}.r") == 1
