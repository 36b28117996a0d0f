"""Numeric built-ins (DMN 1.5 §10.3.4.5)."""

from __future__ import annotations

import decimal
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from kontor.rules.feel.builtins.base import (
    BuiltinFunction,
    Signature,
    builtin,
    fail,
    need_integer,
    need_number,
)
from kontor.rules.feel.durations import DaysTimeDuration, YearsMonthsDuration
from kontor.rules.feel.numbers import NUMBER_CONTEXT

_MIN_SCALE, _MAX_SCALE = -6111, 6176


def _scaled(rounding: str, default_scale: bool = False) -> Callable[..., Decimal]:
    def round_to_scale(number: Any, scale: Any = None) -> Decimal:
        value = need_number(number, "n")
        if scale is None and not default_scale:
            raise fail("scale must not be null")
        digits = 0 if scale is None else int(need_number(scale, "scale"))
        if not _MIN_SCALE <= digits <= _MAX_SCALE:
            raise fail("scale out of range")
        if value.is_finite() and -value.as_tuple().exponent <= digits:  # type: ignore[operator]
            return value  # already has no more decimal places than asked for
        result = value.quantize(
            Decimal(1).scaleb(-digits), rounding=rounding, context=NUMBER_CONTEXT
        )
        # Avoid "-0" results such as round down(-0.4, 0).
        return result + 0 if result == 0 else result

    return round_to_scale


def _abs(number: Any) -> Any:
    if type(number) is DaysTimeDuration:
        return DaysTimeDuration(abs(number.seconds))
    if type(number) is YearsMonthsDuration:
        return YearsMonthsDuration(abs(number.months))
    return NUMBER_CONTEXT.abs(need_number(number, "n"))


def _modulo(dividend: Any, divisor: Any) -> Decimal:
    left, right = need_number(dividend, "dividend"), need_number(divisor, "divisor")
    if right == 0:
        raise fail("division by zero", "division-by-zero")
    quotient = NUMBER_CONTEXT.divide(left, right).to_integral_value(rounding=decimal.ROUND_FLOOR)
    return NUMBER_CONTEXT.subtract(left, NUMBER_CONTEXT.multiply(right, quotient))


def _sqrt(number: Any) -> Decimal:
    value = need_number(number, "number")
    if value < 0:
        raise fail("square root of a negative number")
    return value.sqrt(NUMBER_CONTEXT)


def _log(number: Any) -> Decimal:
    value = need_number(number, "number")
    if value <= 0:
        raise fail("logarithm of a non-positive number")
    return value.ln(NUMBER_CONTEXT)


def _exp(number: Any) -> Decimal:
    return need_number(number, "number").exp(NUMBER_CONTEXT)


def _parity(number: Any) -> int:
    return need_integer(number, "number") % 2


FUNCTIONS = [
    builtin("decimal", ("n", "scale"), _scaled(decimal.ROUND_HALF_EVEN)),
    BuiltinFunction(
        "floor",
        Signature(("n",), _scaled(decimal.ROUND_FLOOR, default_scale=True)),
        Signature(("n", "scale"), _scaled(decimal.ROUND_FLOOR)),
    ),
    BuiltinFunction(
        "ceiling",
        Signature(("n",), _scaled(decimal.ROUND_CEILING, default_scale=True)),
        Signature(("n", "scale"), _scaled(decimal.ROUND_CEILING)),
    ),
    builtin("round up", ("n", "scale"), _scaled(decimal.ROUND_UP)),
    builtin("round down", ("n", "scale"), _scaled(decimal.ROUND_DOWN)),
    builtin("round half up", ("n", "scale"), _scaled(decimal.ROUND_HALF_UP)),
    builtin("round half down", ("n", "scale"), _scaled(decimal.ROUND_HALF_DOWN)),
    builtin("abs", ("n",), _abs),
    builtin("modulo", ("dividend", "divisor"), _modulo),
    builtin("sqrt", ("number",), _sqrt),
    builtin("log", ("number",), _log),
    builtin("exp", ("number",), _exp),
    builtin("odd", ("number",), lambda number: _parity(number) == 1),
    builtin("even", ("number",), lambda number: _parity(number) == 0),
]
