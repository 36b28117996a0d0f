"""Evaluation-time state shared by compiled closures: context, frames and helpers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from kontor.rules.feel.durations import DaysTimeDuration, YearsMonthsDuration
from kontor.rules.feel.errors import FeelDataError, FeelWarning
from kontor.rules.feel.limits import Budget
from kontor.rules.feel.numbers import to_index
from kontor.rules.feel.temporal import offset_duration, seconds_value, zone_name
from kontor.rules.feel.values import FeelFunction, Range, type_name
from kontor.rules.feel.wide_arithmetic import wide_seconds
from kontor.rules.feel.wide_values import WIDE_KINDS, WideDate, WideTime

MISSING: Any = object()


class Frame:
    """Values of the names declared by one scope inside an expression."""

    __slots__ = ("ctx", "parent", "values")

    def __init__(self, values: list[Any], parent: Frame | None, ctx: EvalContext) -> None:
        self.values = values
        self.parent = parent
        self.ctx = ctx


_NO_VALUES: list[Any] = []


class EvalContext(Frame):
    """Per-evaluation state and root frame: outer scope, warnings, unary-test input, budget."""

    __slots__ = ("budget", "globals", "input", "warnings")

    def __init__(
        self,
        scope: Mapping[str, Any],
        warnings: list[FeelWarning] | None,
        input_value: Any,
        budget: Budget,
    ) -> None:
        # The root frame declares no names; being its own context saves an allocation.
        self.values = _NO_VALUES
        self.parent = None
        self.ctx = self
        self.globals = scope
        self.warnings = warnings
        self.input = input_value
        self.budget = budget

    def warn(self, code: str, message: str) -> None:
        """Record a warning (if the caller collects them); callers then return null."""
        if self.warnings is not None:
            self.warnings.append(FeelWarning(code, message))


Evaluator = Callable[[Frame], Any]


def invoke(
    function: Any, arguments: Sequence[Any], names: Sequence[str] | None, ctx: EvalContext
) -> Any:
    """Call a FEEL function value; data problems become null plus a warning.

    Every call counts against the budget's iterations and nesting depth, and a list or string
    it returns against the size limits.
    """
    if not isinstance(function, FeelFunction):
        ctx.warn("not-a-function", f"cannot invoke {type_name(function)}")
        return None
    budget = ctx.budget
    budget.enter()
    try:
        result = function.apply(arguments, names)
    except FeelDataError as error:
        ctx.warn(error.code, f"{function.describe()}: {error.message}")
        return None
    except (ArithmeticError, ValueError, TypeError, LookupError) as error:
        ctx.warn("function-error", f"{function.describe()} failed: {error}")
        return None
    finally:
        budget.depth -= 1
    kind = type(result)
    if kind is list:
        budget.check_list(len(result))
    elif kind is str:
        budget.check_string(len(result))
    return result


def _date_property(value: Any, name: str) -> Any:
    if name == "year":
        return Decimal(value.year)
    if name == "month":
        return Decimal(value.month)
    if name == "day":
        return Decimal(value.day)
    if name == "weekday":
        return Decimal(value.isoweekday())
    return MISSING


def _time_property(value: Any, name: str) -> Any:
    if name == "hour":
        return Decimal(value.hour)
    if name == "minute":
        return Decimal(value.minute)
    if name == "second":
        return seconds_value(value)
    if name == "time offset":
        return offset_duration(value)
    if name == "timezone":
        return zone_name(value)
    return MISSING


def property_of(value: Any, name: str) -> Any:
    """Built-in properties of temporal, duration and range values (MISSING if none)."""
    kind = type(value)
    if kind is date:
        return _date_property(value, name)
    if kind is datetime:
        found = _date_property(value, name)
        return found if found is not MISSING else _time_property(value, name)
    if kind is time:
        return _time_property(value, name)
    if kind is DaysTimeDuration:
        parts = {"days": value.days, "hours": value.hours, "minutes": value.minutes}
        if name in parts:
            return Decimal(parts[name])
        return value.seconds_part if name == "seconds" else MISSING
    if kind is YearsMonthsDuration:
        if name == "years":
            return Decimal(value.years)
        return Decimal(value.months_part) if name == "months" else MISSING
    if kind is Range:
        attributes = {
            "start": value.start,
            "end": value.end,
            "start included": value.start_included,
            "end included": value.end_included,
        }
        return attributes.get(name, MISSING)
    if kind in WIDE_KINDS:
        return _wide_property(value, name)
    return MISSING


def _wide_property(value: Any, name: str) -> Any:
    if type(value) is WideDate:
        return _date_property(value, name)
    if type(value) is not WideTime:
        found = _date_property(value, name)
        if found is not MISSING:
            return found
    if name == "second":
        return wide_seconds(value)
    if name == "time offset":
        offset = value.utcoffset()
        return None if offset is None else DaysTimeDuration.from_timedelta(offset)
    return _time_property(value, name)


def member_of(value: Any, name: str, ctx: EvalContext) -> Any:
    """`value.name`: context entry, list projection or built-in property."""
    if type(value) is dict:
        return value.get(name)
    if value is None:
        return None
    if type(value) is list:
        return [member_of(item, name, ctx) for item in value]
    found = property_of(value, name)
    if found is MISSING:
        ctx.warn("no-such-member", f"{type_name(value)} has no member {name!r}")
        return None
    return found


def pick_index(items: list[Any], position: Any, ctx: EvalContext) -> Any:
    """1-based index, negative counts from the end; out of range is null."""
    index = to_index(position)
    count = len(items)
    if index is not None and 0 < index <= count:
        return items[index - 1]
    if index is not None and 0 < -index <= count:
        return items[index]
    ctx.warn("index-out-of-range", f"index {position} is outside a list of {count} items")
    return None
