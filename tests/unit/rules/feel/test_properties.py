"""Property-based checks of arithmetic, comparison and temporal laws."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kontor.rules.feel import DaysTimeDuration, YearsMonthsDuration, compile_expression

# 15 significant digits keep sums and differences within 34 digits, so they are exact.
numbers = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=3, allow_nan=False
)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
date_times = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31))
day_durations = st.integers(min_value=-50_000, max_value=50_000).map(
    lambda days: DaysTimeDuration(days * 86400)
)
second_durations = st.integers(min_value=-(10**9), max_value=10**9).map(DaysTimeDuration)

ADD = compile_expression("a + b", ["a", "b"])
ADD_REVERSED = compile_expression("b + a", ["a", "b"])
ASSOCIATIVE_LEFT = compile_expression("(a + b) + c", ["a", "b", "c"])
ASSOCIATIVE_RIGHT = compile_expression("a + (b + c)", ["a", "b", "c"])
ROUND_TRIP = compile_expression("a - b + b", ["a", "b"])
LESS = compile_expression("a < b", ["a", "b"])
GREATER = compile_expression("a > b", ["a", "b"])
EQUAL = compile_expression("a = b", ["a", "b"])
BETWEEN = compile_expression("x between a and b", ["x", "a", "b"])
TWO_COMPARISONS = compile_expression("x >= a and x <= b", ["x", "a", "b"])
SHIFT_AND_BACK = compile_expression("d + e - e", ["d", "e"])
DIFFERENCE_BACK = compile_expression("(a - b) + b", ["a", "b"])


def run(expression: Any, **scope: Any) -> Any:
    return expression.evaluate(scope)


@given(numbers, numbers)
def test_addition_is_commutative(a: Decimal, b: Decimal) -> None:
    assert run(ADD, a=a, b=b) == run(ADD_REVERSED, a=a, b=b)


@given(numbers, numbers, numbers)
def test_addition_is_associative(a: Decimal, b: Decimal, c: Decimal) -> None:
    assert run(ASSOCIATIVE_LEFT, a=a, b=b, c=c) == run(ASSOCIATIVE_RIGHT, a=a, b=b, c=c)


@given(numbers, numbers)
def test_subtraction_undoes_addition(a: Decimal, b: Decimal) -> None:
    assert run(ROUND_TRIP, a=a, b=b) == a


@given(numbers, numbers)
def test_trichotomy(a: Decimal, b: Decimal) -> None:
    outcomes = [run(LESS, a=a, b=b), run(EQUAL, a=a, b=b), run(GREATER, a=a, b=b)]
    assert outcomes.count(True) == 1
    assert outcomes.count(False) == 2


@given(numbers, numbers, numbers)
def test_between_equals_two_comparisons(x: Decimal, a: Decimal, b: Decimal) -> None:
    assert run(BETWEEN, x=x, a=a, b=b) == run(TWO_COMPARISONS, x=x, a=a, b=b)


@given(st.text(max_size=5), st.text(max_size=5))
def test_string_trichotomy(a: str, b: str) -> None:
    outcomes = [run(LESS, a=a, b=b), run(EQUAL, a=a, b=b), run(GREATER, a=a, b=b)]
    assert outcomes.count(True) == 1


@given(dates, day_durations)
def test_date_plus_duration_minus_duration(d: date, e: DaysTimeDuration) -> None:
    if not date(1, 1, 1) <= d + e.to_timedelta() <= date(9999, 12, 31):
        return
    assert run(SHIFT_AND_BACK, d=d, e=e) == d


@given(date_times, second_durations)
def test_date_time_plus_duration_minus_duration(d: datetime, e: DaysTimeDuration) -> None:
    assert run(SHIFT_AND_BACK, d=d, e=e) == d


@given(date_times, date_times)
def test_date_time_difference_added_back(a: datetime, b: datetime) -> None:
    difference = run(compile_expression("a - b", ["a", "b"]), a=a, b=b)
    assert difference == DaysTimeDuration.from_timedelta(a - b)
    assert run(DIFFERENCE_BACK, a=a, b=b) == a


@given(dates, dates)
def test_date_difference_added_back(a: date, b: date) -> None:
    assert run(DIFFERENCE_BACK, a=a, b=b) == a


@settings(max_examples=50)
@given(st.integers(min_value=-2400, max_value=2400), st.integers(min_value=-2400, max_value=2400))
def test_years_months_durations_add_like_integers(m: int, n: int) -> None:
    total = run(ADD, a=YearsMonthsDuration(m), b=YearsMonthsDuration(n))
    assert total == YearsMonthsDuration(m + n)


@given(st.integers(min_value=-(10**6), max_value=10**6))
def test_duration_text_round_trips(seconds: int) -> None:
    duration = DaysTimeDuration(seconds)
    parsed = run(compile_expression("duration(text)", ["text"]), text=duration.isoformat())
    assert parsed == duration
    assert timedelta(seconds=seconds) == duration.to_timedelta()


small_numbers = st.integers(min_value=-20, max_value=20).map(Decimal)
literal_tests = st.one_of(
    st.tuples(st.sampled_from(["<", "<=", ">", ">="]), small_numbers).map(
        lambda pair: f"{pair[0]} {pair[1]}"
    ),
    st.tuples(st.sampled_from(["[", "(", "]"]), small_numbers, small_numbers,
              st.sampled_from(["]", ")", "["])).map(
        lambda parts: f"{parts[0]}{min(parts[1], parts[2])}..{max(parts[1], parts[2])}{parts[3]}"
    ),
    small_numbers.map(str),
    st.lists(small_numbers, min_size=2, max_size=4).map(lambda items: ", ".join(map(str, items))),
    st.sampled_from(['"a"', '"a", "b"', "null", "true"]),
)  # fmt: skip
test_inputs = st.one_of(
    small_numbers, st.sampled_from(["a", "b", "c", None, True, False]), st.integers(-20, 20)
)


@given(literal_tests, test_inputs)
def test_fast_unary_tests_agree_with_the_general_path(test: str, value: Any) -> None:
    from kontor.rules.feel import compile_unary_tests

    fast = compile_unary_tests(test).matches(value, {})
    general = compile_expression(f"x in ({test})", ["x"]).evaluate({"x": value})
    assert fast is general
