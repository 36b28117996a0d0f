"""Unary tests as used by decision-table input entries and allowed values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from kontor.rules.feel import FeelWarning, compile_unary_tests


def check(text: str, value: Any, scope: dict[str, Any] | None = None) -> bool | None:
    scope = scope or {}
    return compile_unary_tests(text, scope.keys()).matches(value, scope)


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ('"A"', "A", True), ('"A"', "B", False), ('"A"', Decimal(1), None),
        ("< 10", Decimal(5), True), ("< 10", Decimal(10), False), ("<= 10", Decimal(10), True),
        ("> 10", 11, True), (">= 10", 9.5, False), ("< 10", None, None),
        ("[1..5]", Decimal(1), True), ("(1..5]", Decimal(1), False), ("]1..5[", Decimal(5), False),
        ("[1..5)", Decimal("4.99"), True), ("-", None, True), ("", "anything", True),
        ('"a","b"', "b", True), ('"a","b"', "c", False), ('not("a","b")', "c", True),
        ('not("a")', "a", False), ("1, 2, 3", Decimal(2), True), ("-5", Decimal(-5), True),
        ("true", True, True), ("false", True, False), ("null", None, True),
        ('< date("2024-01-01")', date(2023, 12, 31), True),
        ('[date("2024-01-01")..date("2024-12-31")]', date(2024, 6, 1), True),
        ("? > 5", Decimal(6), True), ("? > 5", Decimal(4), False),
        ("odd(?)", Decimal(3), True), ("[1, 2, 3]", Decimal(2), True),
        ("not(< 5)", Decimal(3), False), ("not(< 5)", Decimal(7), True),
        ("< 5, > 10", Decimal(12), True), ("= 5", Decimal(5), True), ("!= 5", Decimal(5), False),
        ('"a", < 5', Decimal(3), True),
    ],
)  # fmt: skip
def test_matches(text: str, value: Any, expected: bool | None) -> None:
    assert check(text, value) is expected


def test_tests_may_use_scope_names() -> None:
    scope = {"Max Amount": Decimal(100), "limits": [Decimal(1), Decimal(2)]}
    assert check("< Max Amount", Decimal(50), scope) is True
    assert check("[Max Amount / 2 .. Max Amount]", Decimal(50), scope) is True
    assert check("limits", Decimal(2), scope) is True
    assert check("Max Amount", Decimal(100), scope) is True


def test_boolean_expressions_as_tests() -> None:
    scope = {"flag": True}
    assert check("flag", Decimal(1), scope) is True


def test_not_with_trailing_expression_is_a_plain_test() -> None:
    assert check("not(true) = false", True) is True


def test_comparison_mismatch_warns() -> None:
    warnings: list[FeelWarning] = []
    compiled = compile_unary_tests("< x", ["x"])
    assert compiled.matches("a", {"x": Decimal(1)}, warnings) is None
    assert warnings[0].code == "not-comparable"


def test_source_is_kept() -> None:
    assert compile_unary_tests('"A"').source == '"A"'
