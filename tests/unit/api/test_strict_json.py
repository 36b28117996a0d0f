"""The strict JSON decoder: exact numbers within decimal128, refusals naming their path."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.exceptions import RequestValidationError

from kontor.api.strict_json import JsonLimits, decode_json

LIMITS = JsonLimits(max_depth=8, max_number_digits=100)


def _refusals(raw: str, limits: JsonLimits = LIMITS) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(RequestValidationError) as refused:
        decode_json(raw.encode(), limits)
    return [(error["loc"], error["msg"]) for error in refused.value.errors()]


def test_fractions_stay_exact_decimals_and_integers_stay_integers() -> None:
    document = decode_json(b'{"amount": 250000.10, "count": 3, "tiny": 1e-20}', LIMITS)
    assert document == {"amount": Decimal("250000.10"), "count": 3, "tiny": Decimal("1e-20")}
    assert type(document["count"]) is int


@pytest.mark.parametrize(
    ("literal", "reason"),
    [
        ("NaN", "NaN is not a number"),
        ("Infinity", "Infinity is not a number"),
        ("-Infinity", "-Infinity is not a number"),
        ("1e999", "needs 1000 digits written out; at most 100"),
        ("-1e9999999", "needs 10000000 digits written out; at most 100"),
        ("1e-999", "needs 1000 digits written out"),
        ("7" * 5000, "needs 5000 digits written out"),
        ("0." + "1" * 40, "40 significant digits; a decimal128 number keeps 34"),
        ("1" * 40, "40 significant digits"),
    ],
)
def test_numbers_that_would_be_stored_as_something_else_are_refused_by_path(
    literal: str, reason: str
) -> None:
    [(location, message)] = _refusals(f'{{"variables": {{"amount": [1, {literal}]}}}}')
    assert location == ("body", "variables", "amount", 1)
    assert reason in message


def test_trailing_zeros_beyond_decimal128_are_dropped_keeping_the_number() -> None:
    [number] = decode_json(b"[1." + b"0" * 10_000 + b"]", LIMITS)
    assert number == 1
    assert len(number.as_tuple().digits) == 1


def test_large_round_numbers_within_the_limit_are_kept() -> None:
    assert decode_json(b"[1e50, 100000000000000000000000000000000000000000]", LIMITS) == [
        Decimal("1e50"),
        10**41,
    ]


def test_every_refusal_is_named_and_duplicate_keys_are_refused() -> None:
    refusals = _refusals('{"a": NaN, "b": {"c": 1, "c": 2}, "d": 1}')
    assert [location for location, _ in refusals] == [("body", "a"), ("body", "b", "c")]
    assert "more than once" in refusals[1][1]


def test_nesting_beyond_the_limit_is_refused_at_its_path_even_beyond_python_recursion() -> None:
    [(location, message)] = _refusals('{"a": ' + "[" * 10 + "]" * 10 + "}")
    assert location == ("body", "a", 0, 0, 0, 0, 0, 0, 0)
    assert message == "nesting deeper than 8 levels"
    [(location, message)] = _refusals("[" * 100_000 + "]" * 100_000)
    assert (location, message) == (("body",), "nesting deeper than 8 levels")


def test_malformed_json_names_line_and_column() -> None:
    [(location, message)] = _refusals('{\n  "a": }')
    assert location == ("body",)
    assert message.startswith("invalid JSON at line 2, column 8")


def test_text_with_a_nul_character_is_refused_naming_its_field() -> None:
    refusals = _refusals('{"name": "a\\u0000b", "ok": "fine", "list": ["x\\u0000"]}')
    assert [location for location, _ in refusals] == [("body", "name"), ("body", "list", 0)]
    assert all("NUL character" in reason for _, reason in refusals)
