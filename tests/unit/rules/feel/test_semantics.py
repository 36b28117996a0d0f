"""Three-valued logic, equality and ordering rules, null propagation with warnings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kontor.rules.feel import FeelWarning, compile_expression


def ev(text: str, scope: dict[str, Any] | None = None) -> Any:
    return compile_expression(text, (scope or {}).keys()).evaluate(scope or {})


def warnings_of(text: str, scope: dict[str, Any] | None = None) -> tuple[Any, list[FeelWarning]]:
    warnings: list[FeelWarning] = []
    result = compile_expression(text, (scope or {}).keys()).evaluate(scope or {}, warnings)
    return result, warnings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true and true", True), ("true and false", False), ("true and null", None),
        ("false and null", False), ("null and false", False), ("null and null", None),
        ("true or null", True), ("null or true", True), ("false or null", None),
        ("false or false", False), ('true and "x"', None), ("not(null)", None),
        ("not(true)", False), ('not("x")', None),
    ],
)  # fmt: skip
def test_three_valued_logic(text: str, expected: bool | None) -> None:
    assert ev(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("null = null", True), ("null != null", False), ("1 = null", False),
        ("true = 1", None), ('100 = "100"', None), ("0 = 0.00", True),
        ("[1, 2] = [1, 2]", True), ("[1, 2] = [2, 1]", False), ("[1] = 1", None),
        ("{a: 1, b: 2} = {b: 2, a: 1}", True), ("{a: 1} = {a: 2}", False),
        ('date("2020-01-01") = date("2020-01-01")', True),
        ('@"2002-04-02" = @"2002-04-02T00:00:00Z"', True),
        ('time("10:30:00Z") = time("10:30:00+00:00")', True),
        ('time("10:30:00@Europe/Paris") = time("10:30:00")', False),
        ('@"2002-04-02T12:00:00-01:00" = @"2002-04-02T17:00:00+04:00"', True),
        ('duration("P1D") = duration("PT24H")', True),
        ('duration("P0D") = duration("P0Y")', True), ('duration("P1Y") = duration("P365D")', None),
        ("count = count", True), ("max = min", False),
        ("[1..10] = [1..10]", True), ("(1..10] = ]1..10]", True),
    ],
)  # fmt: skip
def test_equality_table(text: str, expected: bool | None) -> None:
    assert ev(text) is expected


def test_ordering_only_within_kinds() -> None:
    assert ev('"a" < "b"') is True
    assert ev('date("2020-01-01") < date("2020-01-02")') is True
    assert ev('duration("P1D") > duration("PT1H")') is True
    result, warnings = warnings_of('1 < "a"')
    assert result is None
    assert [warning.code for warning in warnings] == ["not-comparable"]
    assert ev("true < false") is None


def test_booleans_are_never_numbers() -> None:
    assert ev("x + 1", {"x": True}) is None
    assert ev("x instance of number", {"x": True}) is False
    assert ev("x = 1", {"x": True}) is None


def test_type_mismatch_gives_null_and_warning() -> None:
    result, warnings = warnings_of('1 + "a"')
    assert result is None
    assert warnings[0].code == "type-mismatch"
    assert "number" in warnings[0].message


def test_division_by_zero_gives_null_and_warning() -> None:
    result, warnings = warnings_of("1 / 0")
    assert result is None
    assert warnings[0].code == "division-by-zero"


def test_null_operands_propagate_with_a_warning() -> None:
    result, warnings = warnings_of("x * 2", {"x": None})
    assert result is None
    assert warnings[0].code == "null-operand"


def test_unknown_names_give_null_and_warning() -> None:
    result, warnings = warnings_of("unknown + 1")
    assert result is None
    assert warnings[0].code == "unknown-name"


def test_bad_date_string_gives_null_and_warning() -> None:
    result, warnings = warnings_of('date("2020-13-45")')
    assert result is None
    assert warnings
    assert warnings[0].code == "invalid-argument"


def test_wrong_builtin_arity_gives_null_and_warning() -> None:
    result, warnings = warnings_of('string length("a", "b")')
    assert result is None
    assert warnings[0].code == "invalid-arguments"


def test_invoking_a_non_function_gives_null() -> None:
    result, warnings = warnings_of("x(1)", {"x": Decimal(1)})
    assert result is None
    assert warnings[0].code == "not-a-function"


def test_warnings_are_optional() -> None:
    assert compile_expression("1 / 0").evaluate({}) is None


def test_string_concatenation() -> None:
    assert ev('"a" + "b"') == "ab"
    assert ev('"a" + 1') is None


def test_decimal_precision_is_34_digits() -> None:
    assert ev("1 / 3") == Decimal("0.3333333333333333333333333333333333")
    assert ev("0.1 + 0.2") == Decimal("0.3")


def test_python_numbers_in_scope_are_converted() -> None:
    assert ev("x + y", {"x": 1, "y": 0.5}) == Decimal("1.5")


def test_scope_values_shadow_builtins() -> None:
    assert ev("count + 1", {"count": Decimal(2)}) == 3
