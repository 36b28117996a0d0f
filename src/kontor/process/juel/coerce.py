"""EL coercion rules (JSR 245, section 1.18) over JSON values; every number is a Decimal."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from kontor.process.juel.errors import JuelEvaluationError
from kontor.rules.feel.numbers import NUMBER_CONTEXT

ZERO = Decimal(0)


def normalise(value: Any) -> Any:
    """A JSON variable value with every number as an exact Decimal (floats via their repr)."""
    kind = type(value)
    if kind is int:
        return Decimal(value)
    if kind is float:
        return Decimal(repr(value))
    if isinstance(value, Mapping):
        return {str(key): normalise(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(item) for item in value]
    return value


def is_number(value: Any) -> bool:
    """Numbers of the evaluator: Decimal only (booleans are not numbers)."""
    return type(value) is Decimal


def to_number(value: Any) -> Decimal:
    """Coerce to a number: null and '' are 0, text must spell a number."""
    if value is None or value == "":
        return ZERO
    if is_number(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str):
        try:
            number = NUMBER_CONTEXT.create_decimal(value.strip())
        except InvalidOperation:
            number = None
        if number is not None and number.is_finite():
            return number
        raise JuelEvaluationError(f"cannot coerce '{_shorten(value)}' to a number")
    raise JuelEvaluationError(f"cannot coerce {describe(value)} to a number")


def to_boolean(value: Any) -> bool:
    """Coerce to a boolean: null and '' are false, text is true only when it says 'true'."""
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() == "true"
    raise JuelEvaluationError(f"cannot coerce {describe(value)} to a boolean")


def to_text(value: Any) -> str:
    """Coerce to text as Java would print it: null is '', booleans are lower case."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if is_number(value):
        return str(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}={to_text(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(to_text(item) for item in value) + "]"
    return str(value)


def is_empty(value: Any) -> bool:
    """EL ``empty``: null, '' and empty lists and maps."""
    if value is None:
        return True
    if isinstance(value, str | list | Mapping):
        return len(value) == 0
    return False


def describe(value: Any) -> str:
    """A short name of a value's type for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if is_number(value):
        return "a number"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a map"
    return "an object"


def _shorten(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."
