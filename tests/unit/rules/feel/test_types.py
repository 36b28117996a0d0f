"""Type expressions: parse_type and FeelType.is_instance."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from kontor.rules.feel import FeelFunction, FeelSyntaxError, Range, YearsMonthsDuration, parse_type


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("number", Decimal(1), True), ("number", True, False), ("string", "x", True),
        ("date", date(2020, 1, 1), True), ("date", datetime(2020, 1, 1), False),
        ("date and time", datetime(2020, 1, 1), True),
        ("years and months duration", YearsMonthsDuration(1), True),
        ("list<number>", [Decimal(1), None], True), ("list<number>", ["a"], False),
        ("context<a: number, b: string>", {"a": Decimal(1), "b": "x", "c": 1}, True),
        ("context<a: number>", {"b": Decimal(1)}, False),
        ("range<number>", Range(Decimal(1), Decimal(2)), True),
        ("function<number>->string", FeelFunction(["x"], str), True),
        ("function<number, number>->string", FeelFunction(["x"], str), False),
        ("Any", "x", True), ("Any", None, False), ("Null", None, True),
        ("list<list<string>>", [["a"]], True),
    ],
)  # fmt: skip
def test_is_instance(text: str, value: object, expected: bool) -> None:
    assert parse_type(text).is_instance(value) is expected


def test_type_round_trips_to_text() -> None:
    assert str(parse_type("context<a: list<number>>")) == "context<a: list<number>>"
    assert str(parse_type("function<number>->string")) == "function<number>->string"


def test_unknown_type_names_are_kept() -> None:
    feel_type = parse_type("tPerson")
    assert feel_type.name == "tPerson"
    assert feel_type.is_instance({}) is False


def test_bad_type_text() -> None:
    with pytest.raises(FeelSyntaxError):
        parse_type("list<")
    with pytest.raises(FeelSyntaxError):
        parse_type("number extra")


def test_names_from_outside_feel_can_be_bound() -> None:
    from kontor.rules.feel import compile_expression

    person = parse_type("context<name: string>")
    expression = compile_expression(
        "[x] instance of list<tPerson> and not(1 instance of tPerson)",
        ["x"],
        types={"tPerson": person},
    )
    assert expression.evaluate({"x": {"name": "Ann"}}) is True
