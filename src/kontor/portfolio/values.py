"""Checks of single values (money, text, years) that name the field they refuse."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from kontor.portfolio.errors import InvalidPortfolioData

MONEY_DIGITS = 15
"""Digits a money amount may have in all (13 before the decimal point, 2 after)."""
MONEY_PLACES = 2


def money(value: Any, field: str, *, negative: bool = False) -> Decimal:
    """``value`` as an exact amount of at most 2 decimal places; floats are refused."""
    return _decimal(value, field, MONEY_PLACES, MONEY_DIGITS, negative=negative)


def optional_money(value: Any, field: str, *, negative: bool = False) -> Decimal | None:
    """Like :func:`money`, but ``None`` stays ``None``."""
    return None if value is None else money(value, field, negative=negative)


def quantity(value: Any, field: str, places: int = 4, digits: int = 15) -> Decimal:
    """A non-negative exact quantity (an area, a ratio) of at most ``places`` decimal places."""
    return _decimal(value, field, places, digits, negative=False)


def optional_quantity(value: Any, field: str, places: int = 4) -> Decimal | None:
    """Like :func:`quantity`, but ``None`` stays ``None``."""
    return None if value is None else quantity(value, field, places)


def text(value: Any, field: str, max_length: int, *, required: bool = False) -> str | None:
    """Text stripped of surrounding blanks, empty as ``None``; too long or missing is refused."""
    if value is None:
        cleaned = ""
    elif isinstance(value, str):
        cleaned = value.strip()
    else:
        raise InvalidPortfolioData(f"{field} must be text", field=field)
    if "\x00" in cleaned:
        raise InvalidPortfolioData(f"{field} contains a NUL character", field=field)
    if len(cleaned) > max_length:
        raise InvalidPortfolioData(
            f"{field} has {len(cleaned)} characters; at most {max_length} are allowed",
            field=field,
        )
    if not cleaned:
        if required:
            raise InvalidPortfolioData(f"{field} is required", field=field)
        return None
    return cleaned


def required_text(value: Any, field: str, max_length: int) -> str:
    """Like :func:`text`, refusing an empty value."""
    cleaned = text(value, field, max_length, required=True)
    assert cleaned is not None
    return cleaned


def year(value: Any, field: str) -> int | None:
    """A plausible calendar year (1000–2999) or ``None``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1000 <= value <= 2999:
        raise InvalidPortfolioData(f"{field} must be a year such as 1975", field=field)
    return value


def period(start: dt.date | None, end: dt.date | None, end_field: str) -> None:
    """Refuse an end before its start, naming the end field."""
    if start is not None and end is not None and end < start:
        raise InvalidPortfolioData(
            f"{end_field} {end.isoformat()} lies before the start {start.isoformat()}",
            field=end_field,
        )


def _decimal(value: Any, field: str, places: int, digits: int, *, negative: bool) -> Decimal:
    if isinstance(value, bool | float):
        raise InvalidPortfolioData(
            f"{field} must be an exact decimal number, not a float", field=field
        )
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        raise InvalidPortfolioData(f"{field} {value!r} is no number", field=field) from None
    if not number.is_finite():
        raise InvalidPortfolioData(f"{field} must be a finite number", field=field)
    step = Decimal(1).scaleb(-places)
    if abs(number) >= Decimal(10) ** (digits - places):
        raise InvalidPortfolioData(f"{field} {number} is too large", field=field)
    exact = number.quantize(step)  # one scale per column: both backends give back the same text
    if exact != number:
        raise InvalidPortfolioData(
            f"{field} {number} has more than {places} decimal places", field=field
        )
    if not negative and number < 0:
        raise InvalidPortfolioData(f"{field} must not be negative", field=field)
    return exact
