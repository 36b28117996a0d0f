"""FEEL numbers are decimal128: conversions in and out are bounded, out-of-range is null."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kontor.rules.feel import FeelSyntaxError, FeelWarning, compile_expression, to_feel, to_json

HUGE = Decimal("1e9999999")  # what json.loads(parse_float=Decimal) makes of 1e9999999
LONG = Decimal("9" * 5000)


def run(text: str, **scope: object) -> tuple[object, list[str]]:
    warnings: list[FeelWarning] = []
    value = compile_expression(text, scope.keys()).evaluate(scope, warnings)
    return value, [warning.message for warning in warnings]


def test_inputs_beyond_decimal128_become_null_with_a_warning() -> None:
    for number in (
        HUGE,
        Decimal("-1e9999999"),
        float("nan"),
        float("inf"),
        Decimal("NaN"),
        Decimal("-Infinity"),
    ):
        warnings: list[FeelWarning] = []
        assert to_feel({"amount": [number]}, warnings) == {"amount": [None]}
        assert [warning.code for warning in warnings] == ["number-out-of-range"]


def test_inputs_are_rounded_to_34_digits_half_even() -> None:
    assert to_feel(Decimal("1." + "0" * 33 + "5")) == Decimal("1." + "0" * 33)
    assert to_feel(Decimal("1." + "0" * 32 + "15")) == Decimal("1." + "0" * 32 + "2")
    assert to_feel(10**40) == Decimal("1.000000000000000000000000000000000E+40")
    assert to_feel(LONG) == Decimal("1.000000000000000000000000000000000E+5000")
    assert to_feel(Decimal("1e-9999999")) == 0  # underflow to zero, as IEEE 754 does


def test_literals_are_decimal128() -> None:
    assert run("1" + "0" * 40)[0] == Decimal("1E+40")
    assert run("0.1 + 0.2")[0] == Decimal("0.3")
    with pytest.raises(FeelSyntaxError, match="beyond the range of decimal128"):
        compile_expression("1e9999999")


def test_arithmetic_beyond_the_range_is_null_with_a_warning() -> None:
    value, warnings = run("x * x", x=Decimal("1e5000"))
    assert value is None
    assert "Overflow" in warnings[0]
    assert run('number("1e9999999")')[0] is None


@pytest.mark.parametrize(
    "text",
    [
        "for i in 1..x return i",
        "decimal(x, 2)",
        "[1, 2][x]",
        "sublist([1, 2], x)",
        "list replace([1], x, 2)",
        'duration("P1D") * x',
        "string(x)",
        "-x",
    ],
)
def test_a_decimal_beyond_the_range_handed_in_raw_never_hangs(text: str) -> None:
    # Callers should convert with to_feel; one that does not still gets null, not a hang.
    value, warnings = run(text, x=HUGE)
    assert value is None
    assert warnings


def test_to_json_of_numbers() -> None:
    assert to_json(Decimal("123")) == 123
    assert to_json(Decimal("1E+40")) == 1e40
    assert to_json(HUGE) is None
    assert to_json(Decimal("NaN")) is None
    assert to_json([float("nan"), float("-inf"), 1.5]) == [None, None, 1.5]
    assert len(str(to_json(Decimal("1.234567E+6144")))) < 7000


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(allow_nan=True, allow_infinity=True, places=None)
    | st.builds(
        Decimal,
        st.tuples(
            st.integers(0, 1),
            st.lists(st.integers(0, 9), min_size=1, max_size=60).map(tuple),
            st.integers(-(10**7), 10**7),
        ),
    )
)
def test_any_decimal_converts_in_bounded_size(number: Decimal) -> None:
    feel = to_feel(number)
    if feel is not None:
        assert feel.is_finite()
        assert len(feel.as_tuple().digits) <= 34
        assert -6176 <= feel.as_tuple().exponent <= 6111  # type: ignore[operator]
    text = json.dumps(to_json(number))
    assert len(text) < 7000
