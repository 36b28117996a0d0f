"""Camunda 7 typed variables (``{"value", "type", "valueInfo"}``) to Kontor's values and back.

Kontor stores plain JSON values; the Camunda type of a value read back follows from the value:
whole numbers within 32 bits are ``Integer``, larger ones ``Long``, fractions ``Double`` (kept as
the exact decimal that was sent, money never passes through float), objects and lists ``Json``,
and text in Camunda's date format ``Date``. Dates are stored as ISO 8601 text with milliseconds
and offset (``2026-06-30T21:44:30.000+02:00``), which FEEL reads as a date and time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from kontor.camunda7.errors import InvalidRequest
from kontor.db import json_codec
from kontor.rules.feel import to_json

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
JSON_FORMAT = "application/json"
MAX_EXPONENT = 100
"""Numbers sent as text are refused beyond this exponent (a JSON number is bounded already)."""
_STORED_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")
_CAMUNDA_DATE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,9})?(Z|[+-]\d\d:?\d\d)?$")
_NUMBER_TYPES = {"integer", "long", "short", "double"}


def camunda_date(moment: dt.datetime) -> str:
    """``moment`` in Camunda's REST date format, ``yyyy-MM-dd'T'HH:mm:ss.SSSZ``."""
    return (
        moment.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{moment.microsecond // 1000:03d}"
        + (moment.strftime("%z") or "+0000")
    )


def parse_camunda_date(text: str) -> dt.datetime:
    """A Camunda date (``2026-06-30T21:44:30.000+0200``; ISO offsets and ``Z`` too), aware."""
    match = _CAMUNDA_DATE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is no date of the form yyyy-MM-dd'T'HH:mm:ss.SSSZ")
    whole, fraction, offset = match.groups()
    zone = "+00:00" if offset in (None, "Z") else offset[:3] + ":" + offset[-2:]
    return dt.datetime.fromisoformat(whole + (fraction or "")[:7] + zone)


def from_camunda(variables: Mapping[str, Any] | None) -> dict[str, Any]:
    """Camunda typed variables as Kontor values; a value that does not fit its type is a 400."""
    if not variables:
        return {}
    return {name: _value_of(name, typed) for name, typed in variables.items()}


def to_camunda(variables: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Kontor values as Camunda typed variables."""
    return {name: typed(value) for name, value in variables.items()}


def typed(value: Any) -> dict[str, Any]:
    """One Kontor value as a Camunda typed variable."""
    value = to_json(value, exact=True)
    if value is None:
        return {"type": "Null", "value": None, "valueInfo": {}}
    if isinstance(value, bool):
        return {"type": "Boolean", "value": value, "valueInfo": {}}
    if isinstance(value, int):
        kind = "Integer" if INT_MIN <= value <= INT_MAX else "Long"
        return {"type": kind, "value": value, "valueInfo": {}}
    if isinstance(value, Decimal | float):
        return {"type": "Double", "value": value, "valueInfo": {}}
    if isinstance(value, str):
        if _STORED_DATE.match(value):
            moment = dt.datetime.fromisoformat(value)
            return {"type": "Date", "value": camunda_date(moment), "valueInfo": {}}
        return {"type": "String", "value": value, "valueInfo": {}}
    return {"type": "Json", "value": json_codec.dumps(value), "valueInfo": {}}


def _value_of(name: str, typed_value: Any) -> Any:
    if not isinstance(typed_value, Mapping):
        raise InvalidRequest(f"Variable '{name}' must be an object with 'value' and 'type'")
    value = typed_value.get("value")
    kind = typed_value.get("type")
    if kind is None:
        return _untyped(value)
    if not isinstance(kind, str):
        raise InvalidRequest(f"Variable '{name}': 'type' must be a string")
    try:
        return _converted(kind.lower(), value, typed_value.get("valueInfo") or {})
    except ValueError as error:
        raise InvalidRequest(
            f"Cannot convert value '{_shown(value)}' of type '{kind}' of variable '{name}': {error}"
        ) from None


def _untyped(value: Any) -> Any:
    """A value without a type, as Camunda infers one from the JSON."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


def _converted(kind: str, value: Any, value_info: Mapping[str, Any]) -> Any:
    if value is None or kind == "null":
        return None
    if kind == "string":
        return _text(value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise ValueError("a Boolean is true or false")
    if kind in _NUMBER_TYPES:
        return _number(kind, value)
    if kind == "date":
        moment = parse_camunda_date(_text(value))
        return moment.isoformat(timespec="milliseconds")
    if kind in ("json", "object"):
        return _json(kind, value, value_info)
    raise ValueError("Kontor stores String, Boolean, Integer, Short, Long, Double, Date, Json, "
                     "Object (as JSON) and Null variables")  # fmt: skip


def _number(kind: str, value: Any) -> int | Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise ValueError("not a number")
    try:
        number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a finite number")
    if number and abs(number.adjusted()) > MAX_EXPONENT:
        raise ValueError(f"beyond 1e{MAX_EXPONENT} (or below 1e-{MAX_EXPONENT})")
    if kind == "double":
        return int(number) if number == number.to_integral_value() else number
    if number != number.to_integral_value():
        raise ValueError("not a whole number")
    whole = int(number)
    low, high = (INT_MIN, INT_MAX) if kind in ("integer", "short") else (LONG_MIN, LONG_MAX)
    if kind == "short":
        low, high = -(2**15), 2**15 - 1
    if not low <= whole <= high:
        raise ValueError(f"out of range {low}..{high}")
    return whole


def _json(kind: str, value: Any, value_info: Mapping[str, Any]) -> Any:
    if kind == "object":
        data_format = value_info.get("serializationDataFormat", JSON_FORMAT)
        if data_format != JSON_FORMAT:
            raise ValueError(f"only Object values serialized as {JSON_FORMAT} are stored")
    if not isinstance(value, str):
        return value  # already JSON (clients that send the object itself)
    try:
        return _exact(json_codec.loads(value))
    except ValueError as error:
        raise ValueError(f"not JSON ({error})") from None


def _exact(value: Any) -> Any:
    """Whole numbers as ``int``, as the strict request decoder gives them."""
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact(item) for item in value]
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, dict | list)):
        raise ValueError("not a string")
    return str(value)


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
