"""to_feel / to_json and the FeelFunction protocol used by the DMN layer."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from kontor.rules.feel import (
    DaysTimeDuration,
    FeelFunction,
    Range,
    YearsMonthsDuration,
    compile_expression,
    to_feel,
    to_json,
)


def test_to_feel_converts_deeply() -> None:
    value = to_feel({"a": 1, "b": [1.5, "2024-01-01", True, None], "c": (1,)})
    assert value == {"a": Decimal(1), "b": [Decimal("1.5"), "2024-01-01", True, None], "c": [1]}
    assert type(value["a"]) is Decimal
    assert to_feel(True) is True
    assert to_feel(float("nan")) is None
    assert to_feel(timedelta(hours=1)) == DaysTimeDuration(3600)


def test_to_json() -> None:
    assert to_json(Decimal("2.0")) == 2
    assert type(to_json(Decimal("2.0"))) is int
    assert to_json(Decimal("2.5")) == 2.5
    assert to_json(Decimal("0.1234567890123456789012345")) == "0.1234567890123456789012345"
    assert to_json(date(2024, 1, 2)) == "2024-01-02"
    assert to_json(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02T03:04:05Z"
    assert to_json(datetime(2024, 1, 2, tzinfo=ZoneInfo("Europe/Berlin"))) == (
        "2024-01-02T00:00:00@Europe/Berlin"
    )
    assert to_json(time(10, 0, 0, 500000)) == "10:00:00.5"
    assert to_json(DaysTimeDuration(90)) == "PT1M30S"
    assert to_json(YearsMonthsDuration(-14)) == "-P1Y2M"
    assert to_json({"a": [Decimal(1), None, True]}) == {"a": [1, None, True]}
    assert to_json(Range(Decimal(1), None, True, False)) == {
        "start": 1, "end": None, "start included": True, "end included": False,
    }  # fmt: skip


def test_feel_function_binds_positional_and_named_arguments() -> None:
    seen: list[tuple[object, ...]] = []

    def impl(*arguments: object) -> object:
        seen.append(arguments)
        return Decimal(len(seen))

    bkm = FeelFunction(["Applicant Age", "Income"], impl, name="Risk")
    expression = compile_expression(
        "Risk(1, 2) + Risk(Income: 3, Applicant Age: 4) + Risk(5)", ["Risk"]
    )
    assert expression.evaluate({"Risk": bkm}) == 6
    assert seen == [
        (Decimal(1), Decimal(2)),
        (Decimal(4), Decimal(3)),
        (Decimal(5), None),
    ]


def test_feel_function_with_too_many_arguments_gives_null() -> None:
    bkm = FeelFunction(["a"], lambda a: a)
    assert compile_expression("f(1, 2)", ["f"]).evaluate({"f": bkm}) is None


def test_feel_function_values_are_callable_from_python() -> None:
    double = compile_expression("function(x) x * 2").evaluate({})
    assert isinstance(double, FeelFunction)
    assert double(Decimal(4)) == 8


def test_durations_support_python_operators() -> None:
    assert date(2020, 1, 31) + YearsMonthsDuration(1) == date(2020, 2, 29)
    assert datetime(2020, 1, 1) - DaysTimeDuration(60) == datetime(2019, 12, 31, 23, 59)
    assert DaysTimeDuration(60) * 2 == DaysTimeDuration(120)
    assert DaysTimeDuration(120) / DaysTimeDuration(60) == 2
    assert YearsMonthsDuration(1) - YearsMonthsDuration(3) == YearsMonthsDuration(-2)
    assert hash(DaysTimeDuration(60)) == hash(DaysTimeDuration(Decimal("60.0")))
    assert sorted([DaysTimeDuration(2), DaysTimeDuration(1)]) == [
        DaysTimeDuration(1),
        DaysTimeDuration(2),
    ]
