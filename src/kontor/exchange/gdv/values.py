"""Typed GDV field values: converters from the fixed-width text and back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

CACHE_LIMIT = 8_192
"""Values a converter remembers at most (a few MB; common values stay)."""


@dataclass(frozen=True, slots=True, order=True)
class PartialDate:
    """A GDV date whose day or month is ``00`` (e.g. ``00.05.2009``, ``00.00.2009``)."""

    year: int
    month: int | None = None
    day: int | None = None

    def isoformat(self) -> str:
        """Return ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as far as known."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


GdvValue = str | int | Decimal | date | PartialDate | None
"""What a field decodes to: text, whole number, amount, date, partial date or nothing."""


class FieldValueError(ValueError):
    """A field's text does not fit its type (raised by converters, turned into warnings)."""


def _digits(text: str) -> str:
    stripped = text.strip()
    if not stripped:
        return ""
    if not (stripped.isascii() and stripped.isdigit()):
        raise FieldValueError(f"»{text}« ist keine Zahl")
    return stripped


class CachedConverter(dict[str, Any]):
    """A converter that is its own bounded cache of raw text → value (values repeat in GDV).

    Compiled decoders subscript it (``converter[text]``): a value seen before comes back
    without a Python call; a new one is converted by ``__missing__`` (raising
    ``FieldValueError``) and remembered.
    """

    __slots__ = ("_convert",)

    def __init__(self, convert: Any) -> None:
        super().__init__()
        self._convert = convert

    def __call__(self, text: str) -> Any:
        return self[text]

    def __missing__(self, text: str) -> Any:
        value = self._convert(text)
        if len(self) >= CACHE_LIMIT:
            self.clear()
        self[text] = value
        return value


def _to_int(text: str) -> int | None:
    digits = _digits(text)
    return int(digits) if digits else None


def _decimal_converter(decimals: int) -> Any:
    def convert(text: str) -> Decimal | None:
        digits = _digits(text)
        if not digits:
            return None
        return Decimal(digits).scaleb(-decimals)  # digits only: no exponent, NaN or "_"

    return convert


def _date8(text: str) -> date | PartialDate | None:
    if len(text) == 8 and text.isascii() and text.isdigit() and text[0:4] != "0000":
        try:
            return date.fromisoformat(f"{text[4:8]}-{text[2:4]}-{text[0:2]}")
        except ValueError:
            pass  # day or month 00, or no such day: the careful path below says which
    digits = _digits(text)
    if not digits or int(digits) == 0:
        return None
    if len(digits) != 8:
        raise FieldValueError(f"»{text}« ist kein Datum TTMMJJJJ")
    return _make_date(int(digits[4:8]), int(digits[2:4]), int(digits[0:2]), text)


def _date6(text: str) -> date | PartialDate | None:
    digits = _digits(text)
    if not digits or int(digits) == 0:
        return None
    if len(digits) != 6:
        raise FieldValueError(f"»{text}« ist kein Datum MMJJJJ")
    return _make_date(int(digits[2:6]), int(digits[0:2]), 0, text)


def _date4(text: str) -> date | PartialDate | None:
    digits = _digits(text)
    if not digits or int(digits) == 0:
        return None
    return PartialDate(int(digits))


def _make_date(year: int, month: int, day: int, text: str) -> date | PartialDate:
    if month == 0:
        if day:
            raise FieldValueError(f"»{text}« hat einen Tag, aber keinen Monat")
        return PartialDate(year)
    if not 1 <= month <= 12:
        raise FieldValueError(f"»{text}«: Monat {month} gibt es nicht")
    if day == 0:
        return PartialDate(year, month)
    try:
        return date(year, month, day)
    except ValueError:
        raise FieldValueError(f"»{text}« ist kein gültiges Datum") from None


def converter(type_code: str, decimals: int) -> CachedConverter:
    """Return the cached text → value converter of a field type (not for ``A``/``L``/``S``)."""
    if type_code == "N":
        return CachedConverter(_to_int)
    if type_code == "F":
        return CachedConverter(_decimal_converter(decimals))
    if type_code == "D8":
        return CachedConverter(_date8)
    if type_code == "D6":
        return CachedConverter(_date6)
    if type_code == "D4":
        return CachedConverter(_date4)
    raise ValueError(f"no converter for type {type_code}")


def format_value(value: Any, type_code: str, length: int, decimals: int) -> str:
    """Return the fixed-width text of a typed value; raises ``ValueError`` when it cannot fit."""
    if value is None or value == "":
        return " " * length
    if type_code in {"A", "L", "S"}:
        text = str(value)
        if len(text) > length:
            raise ValueError(f"»{text}« ist länger als {length} Zeichen")
        return text.ljust(length)
    if type_code == "N":
        return _zero_padded(int(value), length)
    if type_code == "F":
        scaled = Decimal(value).scaleb(decimals)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} hat mehr als {decimals} Nachkommastellen")
        return _zero_padded(abs(int(scaled)), length)
    return _format_date(value, type_code, length)


def _zero_padded(number: int, length: int) -> str:
    if number < 0:
        raise ValueError(f"{number} ist negativ (Feld ohne Vorzeichen)")
    text = str(number).rjust(length, "0")
    if len(text) > length:
        raise ValueError(f"{number} hat mehr als {length} Stellen")
    return text


def _format_date(value: Any, type_code: str, length: int) -> str:
    if isinstance(value, PartialDate):
        year, month, day = value.year, value.month or 0, value.day or 0
    elif isinstance(value, date):
        year, month, day = value.year, value.month, value.day
    else:
        raise ValueError(f"{value!r} ist kein Datum")
    if type_code == "D8":
        return f"{day:02d}{month:02d}{year:04d}"
    if type_code == "D6":
        return f"{month:02d}{year:04d}"
    return f"{year:04d}"


def to_json_value(value: Any) -> Any:
    """Return a JSON-ready form of a field value (Decimal as string, dates ISO)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | PartialDate):
        return value.isoformat()
    return value
