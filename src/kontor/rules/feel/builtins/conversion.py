"""Conversion built-ins: date, time, date and time, number, string, durations, context, range."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from kontor.rules.feel.builtins.base import (
    BuiltinFunction,
    Signature,
    builtin,
    fail,
    need_date,
    need_integer,
    need_list,
    need_number,
    need_string,
)
from kontor.rules.feel.durations import DaysTimeDuration, YearsMonthsDuration, parse_duration
from kontor.rules.feel.numbers import NUMBER_CONTEXT, format_number
from kontor.rules.feel.operators import compare
from kontor.rules.feel.temporal import (
    format_temporal,
    months_between,
    parse_date,
    parse_date_and_time,
    parse_time,
)
from kontor.rules.feel.values import FeelFunction, Range
from kontor.rules.feel.wide_values import (
    DAY_KINDS,
    MOMENT_KINDS,
    TIME_KINDS,
    WideDate,
    WideDateTime,
    WideTime,
    combine,
    make_date,
    settle_time,
)

_NUMBER_TEXT = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def _date_from(value: Any) -> date | WideDate:
    if type(value) is str:
        parsed = parse_date(value)
        if parsed is None:
            raise fail(f"invalid date {value!r}")
        return parsed
    if type(value) is datetime or type(value) is WideDateTime:
        return value.date()
    return need_date(value, "from")  # type: ignore[return-value]


def _date_from_parts(year: Any, month: Any, day: Any) -> date | WideDate:
    try:
        return make_date(
            need_integer(year, "year"), need_integer(month, "month"), need_integer(day, "day")
        )
    except ValueError as error:
        raise fail(f"invalid date: {error}") from error


def _date_and_time_from(value: Any) -> datetime | WideDateTime:
    kind = type(value)
    if kind is datetime or kind is WideDateTime:
        return value  # type: ignore[no-any-return]
    if kind is date or kind is WideDate:
        return combine(value, time())
    parsed = parse_date_and_time(need_string(value, "from"))
    if parsed is None:
        raise fail(f"invalid date and time {value!r}")
    return parsed


def _date_and_time_combine(day: Any, moment: Any) -> datetime | WideDateTime:
    if type(day) not in DAY_KINDS and type(day) not in MOMENT_KINDS:
        raise fail("date must be a date or date and time")
    if type(moment) not in TIME_KINDS:
        raise fail("time must be a time")
    try:
        return combine(day if type(day) in DAY_KINDS else day.date(), moment)
    except ValueError as error:
        raise fail(f"invalid date and time: {error}") from error


def _time_from(value: Any) -> time | WideTime:
    if type(value) is time or type(value) is WideTime:
        return value
    if type(value) is datetime or type(value) is WideDateTime:
        return value.timetz()
    if type(value) is date or type(value) is WideDate:
        return time(0, 0, 0, tzinfo=UTC)
    parsed = parse_time(need_string(value, "from"))
    if parsed is None:
        raise fail(f"invalid time {value!r}")
    return parsed


def _time_from_parts(hour: Any, minute: Any, second: Any, offset: Any = None) -> time | WideTime:
    seconds = need_number(second, "second")
    whole = int(seconds)
    micros, nanos = divmod(int(((seconds - whole) * 1_000_000_000).to_integral_value()), 1000)
    zone = None
    if offset is not None:
        if type(offset) is not DaysTimeDuration:
            raise fail("offset must be a days and time duration")
        try:
            zone = timezone(offset.to_timedelta())
        except ValueError as error:
            raise fail(f"invalid offset: {error}") from error
    try:
        clock = time(
            need_integer(hour, "hour"), need_integer(minute, "minute"), whole, micros, zone
        )
    except ValueError as error:
        raise fail(f"invalid time: {error}") from error
    return settle_time(clock, nanos)


def _number_from(text: Any, grouping: Any = None, decimal_separator: Any = None) -> Decimal:
    source = need_string(text, "from")
    if grouping not in (None, " ", ",", ".") or decimal_separator not in (None, ".", ","):
        raise fail("invalid separators")
    if grouping is not None and grouping == decimal_separator:
        raise fail("grouping and decimal separator must differ")
    if grouping is not None:
        source = source.replace(grouping, "")
    if decimal_separator is not None:
        source = source.replace(decimal_separator, ".")
    if not _NUMBER_TEXT.fullmatch(source):
        raise fail(f"not a number: {text!r}")
    try:
        return NUMBER_CONTEXT.create_decimal(source)
    except InvalidOperation as error:
        raise fail(f"not a number: {text!r}") from error
    except ArithmeticError as error:
        raise fail("the number is beyond the range of decimal128") from error


def feel_string(value: Any) -> str | None:
    """FEEL string(): text form of any value (strings stay as they are)."""
    if value is None:
        return None
    if type(value) is str:
        return value
    return describe(value)


def describe(value: Any) -> str:
    """FEEL text form; strings inside lists and contexts are quoted."""
    kind = type(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is Decimal:
        return format_number(value)
    if kind is int or kind is float:
        return format_number(Decimal(repr(value)))
    if kind is str:
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    temporal = format_temporal(value)
    if temporal is not None:
        return temporal
    if kind is list:
        return "[" + ", ".join(describe(item) for item in value) + "]"
    if kind is dict:
        return "{" + ", ".join(f"{key}: {describe(item)}" for key, item in value.items()) + "}"
    if kind is Range:
        if value.operator == "!=":
            return f"(!= {describe(value.start)})"
        opening = "[" if value.start_included else "("
        closing = "]" if value.end_included else ")"
        start = "" if value.start is None else describe(value.start)
        end = "" if value.end is None else describe(value.end)
        return f"{opening}{start}..{end}{closing}"
    if isinstance(value, FeelFunction):
        return f"function {value.name or ''}".strip()
    return str(value)


def _string_of(value: Any) -> str | None:
    return feel_string(value)


def _duration_from(value: Any) -> DaysTimeDuration | YearsMonthsDuration:
    if type(value) in (DaysTimeDuration, YearsMonthsDuration):
        return value  # type: ignore[no-any-return]
    parsed = parse_duration(need_string(value, "from"))
    if parsed is None:
        raise fail(f"invalid duration {value!r}")
    return parsed


def _years_and_months(start: Any, end: Any) -> YearsMonthsDuration:
    return YearsMonthsDuration(months_between(need_date(end, "to"), need_date(start, "from")))


def _context_from(entries: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for entry in need_list(entries, "entries"):
        if type(entry) is not dict or "key" not in entry or "value" not in entry:
            raise fail("each entry must be a context with key and value")
        key = need_string(entry["key"], "key")
        if key in result:
            raise fail(f"duplicate key {key!r}")
        result[key] = entry["value"]
    return result


def _range_from(text: Any) -> Range:
    from kontor.rules.feel.api import compile_expression
    from kontor.rules.feel.errors import FeelSyntaxError
    from kontor.rules.feel.syntax import Interval

    source = need_string(text, "from")
    try:
        compiled = compile_expression(source)
    except FeelSyntaxError as error:
        raise fail(f"invalid range {source!r}: {error.message}") from error
    tree = compiled.tree
    if not isinstance(tree, Interval) or not all(
        _is_literal_endpoint(node) for node in (tree.start, tree.end)
    ):
        raise fail(f"not a range literal: {source!r}")
    value = compiled.evaluate({})
    if type(value) is not Range:
        raise fail(f"invalid range {source!r}")
    start, end = value.start, value.end
    if (
        start is not None
        and end is not None
        and (type(start) is not type(end) or compare(start, end) == 1)
    ):
        raise fail(f"invalid range bounds in {source!r}")
    return value


def _is_literal_endpoint(node: Any) -> bool:
    from kontor.rules.feel import syntax as ast

    if node is None or isinstance(node, ast.Literal):
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.callee, ast.Name)
        and node.callee.name in ("date", "time", "date and time", "duration")
        and all(isinstance(argument, ast.Literal) for argument in node.arguments)
    )


FUNCTIONS = [
    BuiltinFunction(
        "date",
        Signature(("from",), _date_from),
        Signature(("year", "month", "day"), _date_from_parts),
    ),
    BuiltinFunction(
        "date and time",
        Signature(("from",), _date_and_time_from),
        Signature(("date", "time"), _date_and_time_combine),
    ),
    BuiltinFunction(
        "time",
        Signature(("from",), _time_from),
        Signature(("hour", "minute", "second"), _time_from_parts),
        Signature(("hour", "minute", "second", "offset"), _time_from_parts),
    ),
    BuiltinFunction(
        "number",
        Signature(("from",), _number_from),
        Signature(("from", "grouping separator", "decimal separator"), _number_from),
    ),
    builtin("string", ("from",), _string_of),
    builtin("duration", ("from",), _duration_from),
    builtin("years and months duration", ("from", "to"), _years_and_months),
    builtin("context", ("entries",), _context_from),
    builtin("range", ("from",), _range_from),
]
