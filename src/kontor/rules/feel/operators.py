"""FEEL operator semantics: equality, ordering and arithmetic across all value kinds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from kontor.rules.feel.durations import DaysTimeDuration, YearsMonthsDuration
from kontor.rules.feel.errors import FeelDataError
from kontor.rules.feel.numbers import NUMBER_CONTEXT, as_decimal
from kontor.rules.feel.temporal import (
    add_months,
    compare_date_and_times,
    compare_times,
    date_and_times_equal,
    times_equal,
)
from kontor.rules.feel.values import FeelFunction, Range, type_name
from kontor.rules.feel.wide_arithmetic import (
    wide_add_months,
    wide_compare,
    wide_difference,
    wide_equal,
    wide_shift,
)
from kontor.rules.feel.wide_values import WIDE_KINDS, WideTime

_NUMBER_TYPES = (Decimal, int, float)
_DTD = DaysTimeDuration
_YMD = YearsMonthsDuration
_PLAIN_TEMPORAL = (date, datetime, time)


def _midnight_utc(value: date) -> datetime:
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def values_equal(left: Any, right: Any) -> bool | None:
    """FEEL `=`: deep for lists and contexts, null when the kinds cannot be compared."""
    if left is None:
        return right is None
    if right is None:
        return False
    left_kind, right_kind = type(left), type(right)
    if left_kind in _NUMBER_TYPES and right_kind in _NUMBER_TYPES:
        return bool(left == right)
    if left_kind is not right_kind:
        if left_kind is date and right_kind is datetime:
            return date_and_times_equal(_midnight_utc(left), right)
        if left_kind is datetime and right_kind is date:
            return date_and_times_equal(left, _midnight_utc(right))
        if left_kind in (_DTD, _YMD) and right_kind in (_DTD, _YMD):
            return True if _is_zero_duration(left) and _is_zero_duration(right) else None
        if isinstance(left, FeelFunction) and isinstance(right, FeelFunction):
            return left is right
        if left_kind in WIDE_KINDS or right_kind in WIDE_KINDS:
            return wide_equal(left, right)
        return None
    if left_kind is datetime:
        return date_and_times_equal(left, right)
    if left_kind is time:
        return times_equal(left, right)
    if left_kind is list:
        return _lists_equal(left, right)
    if left_kind is dict:
        return _contexts_equal(left, right)
    if isinstance(left, FeelFunction):
        return left is right
    return bool(left == right)


def _is_zero_duration(value: DaysTimeDuration | YearsMonthsDuration) -> bool:
    if type(value) is DaysTimeDuration:
        return value.seconds == 0
    return type(value) is YearsMonthsDuration and value.months == 0


def _lists_equal(left: list[Any], right: list[Any]) -> bool | None:
    if len(left) != len(right):
        return False
    result: bool | None = True
    for left_item, right_item in zip(left, right, strict=True):
        item_equal = values_equal(left_item, right_item)
        if item_equal is False:
            return False
        if item_equal is None:
            result = None
    return result


def _contexts_equal(left: dict[str, Any], right: dict[str, Any]) -> bool | None:
    if left.keys() != right.keys():
        return False
    result: bool | None = True
    for key, value in left.items():
        item_equal = values_equal(value, right[key])
        if item_equal is False:
            return False
        if item_equal is None:
            result = None
    return result


def compare(left: Any, right: Any) -> int | None:
    """-1/0/1 for ordered FEEL values of the same kind, None otherwise."""
    left_kind, right_kind = type(left), type(right)
    if left_kind in _NUMBER_TYPES and right_kind in _NUMBER_TYPES:
        return int(left > right) - int(left < right)
    if left_kind is right_kind:
        if left_kind is str or left_kind is date or left_kind is _DTD or left_kind is _YMD:
            return int(left > right) - int(left < right)
        if left_kind is datetime:
            return compare_date_and_times(left, right)
        if left_kind is time:
            return compare_times(left, right)
        return wide_compare(left, right) if left_kind in WIDE_KINDS else None
    if left_kind is date and right_kind is datetime:
        return compare_date_and_times(_midnight_utc(left), right)
    if left_kind is datetime and right_kind is date:
        return compare_date_and_times(left, _midnight_utc(right))
    if left_kind in WIDE_KINDS or right_kind in WIDE_KINDS:
        return wide_compare(left, right)
    return None


def range_contains(value_range: Range, value: Any) -> bool | None:
    """Whether `value` lies in the range; null when it cannot be compared with a bound."""
    if value is None:
        return None
    if value_range.operator == "!=":
        equal = values_equal(value, value_range.start)
        return None if equal is None else not equal
    start, end = value_range.start, value_range.end
    if start is not None:
        order = compare(value, start)
        if order is None:
            return None
        if order < 0 or (order == 0 and not value_range.start_included):
            return False
    if end is not None:
        order = compare(value, end)
        if order is None:
            return None
        if order > 0 or (order == 0 and not value_range.end_included):
            return False
    return True


def _mismatch(operator: str, left: Any, right: Any) -> FeelDataError:
    return FeelDataError(
        "type-mismatch", f"cannot apply '{operator}' to {type_name(left)} and {type_name(right)}"
    )


def _null_operand(operator: str) -> FeelDataError:
    return FeelDataError("null-operand", f"'{operator}' with a null operand gives null")


def add(left: Any, right: Any) -> Any:
    """FEEL `+`: numbers, string concatenation, temporal plus duration, duration sums."""
    left_kind, right_kind = type(left), type(right)
    if left_kind is Decimal and right_kind is Decimal:
        return NUMBER_CONTEXT.add(left, right)
    if left is None or right is None:
        raise _null_operand("+")
    if left_kind in _NUMBER_TYPES and right_kind in _NUMBER_TYPES:
        return NUMBER_CONTEXT.add(as_decimal(left), as_decimal(right))
    if left_kind is str and right_kind is str:
        return left + right
    if left_kind is _DTD and right_kind is _DTD:
        return DaysTimeDuration(NUMBER_CONTEXT.add(left.seconds, right.seconds))
    if left_kind is _YMD and right_kind is _YMD:
        return YearsMonthsDuration(left.months + right.months)
    if left_kind in (_DTD, _YMD) and right_kind not in (_DTD, _YMD):
        return _shift(right, left, 1, "+")
    return _shift(left, right, 1, "+")


def subtract(left: Any, right: Any) -> Any:
    """FEEL `-`: numbers, temporal differences, temporal minus duration."""
    left_kind, right_kind = type(left), type(right)
    if left_kind is Decimal and right_kind is Decimal:
        return NUMBER_CONTEXT.subtract(left, right)
    if left is None or right is None:
        raise _null_operand("-")
    if left_kind in _NUMBER_TYPES and right_kind in _NUMBER_TYPES:
        return NUMBER_CONTEXT.subtract(as_decimal(left), as_decimal(right))
    if left_kind is _DTD and right_kind is _DTD:
        return DaysTimeDuration(NUMBER_CONTEXT.subtract(left.seconds, right.seconds))
    if left_kind is _YMD and right_kind is _YMD:
        return YearsMonthsDuration(left.months - right.months)
    if left_kind in (date, datetime) and right_kind in (date, datetime):
        return _date_difference(left, right)
    if left_kind is time and right_kind is time:
        return _time_difference(left, right)
    if (left_kind in WIDE_KINDS or right_kind in WIDE_KINDS) and right_kind not in (_DTD, _YMD):
        return wide_difference(left, right)
    return _shift(left, right, -1, "-")


def _date_difference(left: date, right: date) -> DaysTimeDuration:
    if type(left) is date and type(right) is date:
        return DaysTimeDuration((left - right).days * 86400)
    # A date next to a date and time stands for midnight UTC of that day.
    left_moment = left if isinstance(left, datetime) else _midnight_utc(left)
    right_moment = right if isinstance(right, datetime) else _midnight_utc(right)
    if (left_moment.tzinfo is None) != (right_moment.tzinfo is None):
        raise FeelDataError(
            "type-mismatch", "cannot subtract a date and time with zone and one without"
        )
    if left_moment.tzinfo is not None:
        # Aware datetimes subtract as instants (Python subtracts wall clocks in the same zone).
        left_moment = left_moment.astimezone(UTC)
        right_moment = right_moment.astimezone(UTC)
    return DaysTimeDuration.from_timedelta(left_moment - right_moment)


def _time_difference(left: time, right: time) -> DaysTimeDuration:
    from kontor.rules.feel.temporal import time_sort_key

    left_key, right_key = time_sort_key(left), time_sort_key(right)
    if left_key[0] != right_key[0]:
        raise FeelDataError("type-mismatch", "cannot subtract a time with zone and one without")
    return DaysTimeDuration(Decimal(left_key[1] - right_key[1]).scaleb(-6))


def _shift(moment: Any, duration: Any, sign: int, operator: str) -> Any:
    """Add (sign 1) or subtract (sign -1) a duration to/from a temporal value."""
    moment_kind, duration_kind = type(moment), type(duration)
    if duration_kind is _YMD and moment_kind in (date, datetime):
        try:
            return add_months(moment, sign * duration.months)
        except (ValueError, OverflowError):
            # Beyond years 1..9999: FEEL's own dates take over.
            return wide_add_months(moment, sign * duration.months)
    if moment_kind in WIDE_KINDS:
        return _shift_wide(moment, duration, sign, operator)
    if duration_kind is _DTD and moment_kind in _PLAIN_TEMPORAL:
        try:
            delta = duration.to_timedelta() * sign
            if moment_kind is datetime:
                return _shift_instant(moment, delta)
            if moment_kind is date:
                shifted = datetime.combine(moment, time()) + delta
                return shifted.date()
            if moment_kind is time:
                base = datetime.combine(date(2000, 1, 1), moment.replace(tzinfo=None)) + delta
                return base.time().replace(tzinfo=moment.tzinfo)
        except (ValueError, OverflowError):
            # Beyond years 1..9999: FEEL's own dates take over.
            return wide_shift(moment, duration, sign)
    raise _mismatch(operator, moment, duration)


def _shift_wide(moment: Any, duration: Any, sign: int, operator: str) -> Any:
    if type(duration) is _YMD and type(moment) is not WideTime:
        return wide_add_months(moment, sign * duration.months)
    if type(duration) is _DTD:
        return wide_shift(moment, duration, sign)
    raise _mismatch(operator, moment, duration)


def _shift_instant(moment: datetime, delta: timedelta) -> datetime:
    zone = moment.tzinfo
    if zone is None or zone is UTC:
        return moment + delta
    # Durations are exact time spans: move the instant, then show it in the original zone.
    return (moment.astimezone(UTC) + delta).astimezone(zone)


def multiply(left: Any, right: Any) -> Any:
    """FEEL `*`: numbers, and durations scaled by a number."""
    left_kind, right_kind = type(left), type(right)
    if left_kind is Decimal and right_kind is Decimal:
        return NUMBER_CONTEXT.multiply(left, right)
    if left is None or right is None:
        raise _null_operand("*")
    if left_kind in _NUMBER_TYPES and right_kind in _NUMBER_TYPES:
        return NUMBER_CONTEXT.multiply(as_decimal(left), as_decimal(right))
    if right_kind in (_DTD, _YMD) and left_kind in _NUMBER_TYPES:
        left, right = right, left
        left_kind, right_kind = right_kind, left_kind
    if right_kind in _NUMBER_TYPES:
        factor = as_decimal(right)
        if left_kind is _DTD:
            return DaysTimeDuration(NUMBER_CONTEXT.multiply(left.seconds, factor))
        if left_kind is _YMD:
            product = NUMBER_CONTEXT.multiply(Decimal(left.months), factor)
            return YearsMonthsDuration(int(product))
    raise _mismatch("*", left, right)


def divide(left: Any, right: Any) -> Any:
    """FEEL `/`: numbers (division by zero is null), durations by numbers or durations."""
    left_kind, right_kind = type(left), type(right)
    if left is None or right is None:
        raise _null_operand("/")
    if right_kind in _NUMBER_TYPES:
        divisor = as_decimal(right)
        if divisor == 0:
            raise FeelDataError("division-by-zero", "division by zero gives null")
        if left_kind in _NUMBER_TYPES:
            return NUMBER_CONTEXT.divide(as_decimal(left), divisor)
        if left_kind is _DTD:
            return DaysTimeDuration(NUMBER_CONTEXT.divide(left.seconds, divisor))
        if left_kind is _YMD:
            months = NUMBER_CONTEXT.divide(Decimal(left.months), divisor)
            return YearsMonthsDuration(int(months))
    if left_kind is _DTD and right_kind is _DTD:
        if right.seconds == 0:
            raise FeelDataError("division-by-zero", "division by a zero duration gives null")
        return NUMBER_CONTEXT.divide(left.seconds, right.seconds)
    if left_kind is _YMD and right_kind is _YMD:
        if right.months == 0:
            raise FeelDataError("division-by-zero", "division by a zero duration gives null")
        return NUMBER_CONTEXT.divide(Decimal(left.months), Decimal(right.months))
    raise _mismatch("/", left, right)


def power(left: Any, right: Any) -> Any:
    """FEEL `**` on numbers."""
    if left is None or right is None:
        raise _null_operand("**")
    if type(left) not in _NUMBER_TYPES or type(right) not in _NUMBER_TYPES:
        raise _mismatch("**", left, right)
    base, exponent = as_decimal(left), as_decimal(right)
    if base == 0 and exponent < 0:
        raise FeelDataError("division-by-zero", "zero to a negative power gives null")
    return NUMBER_CONTEXT.power(base, exponent)


def negate(value: Any) -> Any:
    """FEEL unary minus for numbers and durations."""
    kind = type(value)
    if kind is Decimal:
        return NUMBER_CONTEXT.minus(value)
    if value is None:
        raise _null_operand("-")
    if kind is int or kind is float:
        return NUMBER_CONTEXT.minus(as_decimal(value))
    if kind is _DTD or kind is _YMD:
        return -value
    raise FeelDataError("type-mismatch", f"cannot negate {type_name(value)}")
