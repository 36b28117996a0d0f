"""The import-time shortcuts (simple unary tests, literal outputs) agree with FEEL itself."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kontor.rules import feel
from kontor.rules.dmn.feel_texts import constant_expression
from kontor.rules.dmn.simple_tests import compile_simple_tests

TESTS = [
    '"motor"',
    '"R05","R08"',
    "> 3000000",
    ">= 5",
    "< 1950",
    "<= 20000",
    "= 7",
    "7",
    "-2.5",
    "[100000..400000]",
    "]1..3[",
    "(1..3]",
    "[1..3), > 10",
    "true",
    "false",
]

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(["motor", "home", "R05", "R08", "x", ""]),
    st.integers(min_value=-10, max_value=5_000_000).map(Decimal),
    st.decimals(min_value=-5, max_value=12, places=2, allow_nan=False),
    st.integers(min_value=-3, max_value=12),
)


@pytest.mark.parametrize("text", TESTS)
@settings(max_examples=60)
@given(value=VALUES)
def test_simple_tests_match_like_feel(text: str, value: object) -> None:
    simple = compile_simple_tests(text)
    assert simple is not None
    if text in ("true", "false") and not isinstance(value, bool):
        # deliberate difference: a boolean entry is the equality test `? = true`, so a
        # non-boolean input never matches (FEEL also accepts "the expression is true")
        assert simple.matches(value, {}) is False
        return
    expected = feel.compile_unary_tests(text).matches(value, {}, []) is True
    assert simple.matches(value, {}) is expected


@pytest.mark.parametrize("text", ['"REJECT"', '""', "42", "-3.50", "true", "false", '"ä ö"'])
def test_constants_evaluate_like_feel(text: str) -> None:
    constant = constant_expression(text)
    assert constant is not None
    assert constant.evaluate({}) == feel.compile_expression(text).evaluate({})
