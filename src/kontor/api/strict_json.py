"""The one JSON decoder for request bodies: exact numbers within decimal128, bounded nesting.

``json.loads`` would accept ``NaN`` and ``Infinity``, turn ``1e999`` into ``inf`` (stored as
``null``), convert a 5,000-digit integer into a ``ValueError`` (a 500) and let a later key
silently replace an earlier one. This decoder keeps fractional numbers as ``Decimal`` and
refuses everything else with a 422 naming the field path of each refused value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi.exceptions import RequestValidationError

DECIMAL128_DIGITS = 34
"""Significant digits a decimal128 number keeps (IEEE 754-2008, the DMN number type)."""

_MAX_REPORTED = 20  # refusals named in one answer; enough to fix the input, bounded in size


NUL_REFUSED = "text may not contain the NUL character (no database can store it)"


@dataclass(frozen=True)
class JsonLimits:
    """How deep JSON input may nest and how many digits a number may need written out."""

    max_depth: int
    max_number_digits: int


@dataclass(frozen=True)
class _Refused:
    """Stands in for a value the decoder refuses, until the walk names its path."""

    reason: str


def decode_json(raw: bytes, limits: JsonLimits) -> Any:
    """``raw`` as JSON, fractional numbers as ``Decimal``; refusals raise a 422 naming each path."""
    try:
        document = json.loads(
            raw,
            parse_float=lambda literal: _fraction(literal, limits),
            parse_int=lambda literal: _integer(literal, limits),
            parse_constant=_not_a_number,
            object_pairs_hook=_object,
        )
    except RecursionError:
        raise _invalid([((), f"nesting deeper than {limits.max_depth} levels")]) from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise _invalid([((), f"invalid JSON at {where}: {error.msg}")]) from None
    except UnicodeDecodeError as error:
        raise _invalid([((), f"invalid JSON: not UTF-8 text (byte {error.start})")]) from None
    refusals = list(_refusals(document, limits.max_depth))
    if refusals:
        raise _invalid(refusals[:_MAX_REPORTED])
    return document


def _integer(literal: str, limits: JsonLimits) -> int | _Refused:
    digits = literal.lstrip("-")
    if len(digits) > limits.max_number_digits:
        return _too_many_digits(len(digits), limits)
    significant = len(digits.rstrip("0"))
    if significant > DECIMAL128_DIGITS:
        return _too_precise(significant)
    return int(digits) * (-1 if literal.startswith("-") else 1)


def _fraction(literal: str, limits: JsonLimits) -> Decimal | _Refused:
    try:  # linear in the literal's length, which the body limit bounds
        number = Decimal(literal)
    except InvalidOperation:
        return _Refused(f"{literal[:40]} is no number Kontor can represent")
    sign, coefficient, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite: JSON has no literal for NaN or infinity here
    text = "".join(map(str, coefficient)).lstrip("0")
    trimmed = text.rstrip("0")
    if not trimmed:
        return Decimal(0)  # 0.000…: zero, however many zeros it was written with
    exponent += len(text) - len(trimmed)
    significant = len(trimmed)
    if significant > DECIMAL128_DIGITS:
        return _too_precise(significant)
    written_out = max(significant + exponent, 1) + max(-exponent, 0)
    if written_out > limits.max_number_digits:
        return _too_many_digits(written_out, limits)
    if len(coefficient) > DECIMAL128_DIGITS:  # 1.000…0: the same number without the zeros
        return Decimal((sign, tuple(map(int, trimmed)), exponent))
    return number


def _too_many_digits(digits: int, limits: JsonLimits) -> _Refused:
    return _Refused(
        f"the number needs {digits} digits written out; at most {limits.max_number_digits} "
        "are accepted"
    )


def _too_precise(significant: int) -> _Refused:
    return _Refused(
        f"the number has {significant} significant digits; a decimal128 number keeps "
        f"{DECIMAL128_DIGITS}, so it would be stored as another number"
    )


def _not_a_number(literal: str) -> _Refused:
    return _Refused(f"{literal} is not a number; JSON numbers are finite")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        result[key] = _Refused("the key appears more than once") if key in result else value
    return result


def _refusals(document: Any, max_depth: int) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Path and reason of each refused value, depth first; iterative so depth cannot crash it."""
    pending: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while pending:
        value, path = pending.pop()
        if isinstance(value, _Refused):
            yield path, value.reason
        elif isinstance(value, str) and "\x00" in value:
            yield path, NUL_REFUSED
        elif isinstance(value, dict | list):
            if len(path) >= max_depth:
                yield path, f"nesting deeper than {max_depth} levels"
                continue
            if isinstance(value, dict):
                yield from ((path, NUL_REFUSED) for key in value if "\x00" in key)
            items = value.items() if isinstance(value, dict) else enumerate(value)
            pending.extend((item, (*path, key)) for key, item in reversed(list(items)))


def _invalid(refusals: list[tuple[tuple[str | int, ...], str]]) -> RequestValidationError:
    return RequestValidationError(
        [
            {"loc": ("body", *path), "msg": reason, "type": "json_invalid"}
            for path, reason in refusals
        ]
    )
