"""Conversions of the values hot statements exchange with the driver (``kontor.db.fast``).

Time stamps and JSON documents go to the driver as text made here, the same text SQLAlchemy's
own processors would make, without their per-value cost; other types use their processors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from json.encoder import encode_basestring_ascii
from typing import Any, cast

from sqlalchemy import JSON
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from kontor.db import json_codec
from kontor.db.json_codec import EncodedJson
from kontor.db.schema import UtcDateTime

Convert = Callable[[Any], Any]

_JSON_VALUES = (dict, list, str, int, float, bool, type(None))
_JSON_LITERALS: dict[object, str] = {True: "true", False: "false", None: "null"}


def _json_text(value: Any) -> str:
    """The JSON codec's text of ``value``, without its per-call setup for plain scalars."""
    kind = type(value)
    if kind is EncodedJson:
        return cast(str, value)  # encoded already: stored as it is
    if kind is str:
        return encode_basestring_ascii(value)
    if kind is bool or value is None:
        return _JSON_LITERALS[value]
    if kind is int:
        return int.__repr__(value)
    return json_codec.dumps(value)


def bind_converter(type_: TypeEngine[Any], dialect: Dialect) -> Convert | None:
    """How a parameter of ``type_`` goes to the driver (None: as it is)."""
    # Timestamps and JSON documents go to the driver as text made here: cheaper than the
    # driver's own conversion of a datetime (psycopg: several µs each, in every COPY row too)
    if isinstance(type_, UtcDateTime):
        return _utc_text if dialect.name == "sqlite" else _utc_text_with_offset
    if isinstance(type_.dialect_impl(dialect), JSON):
        fallback = type_.dialect_impl(dialect).bind_processor(dialect)
        return lambda value: (
            _json_text(value) if isinstance(value, _JSON_VALUES) else fallback(value)  # type: ignore[misc]
        )
    processor = type_.dialect_impl(dialect).bind_processor(dialect)
    return processor if callable(processor) else None


def result_converter(type_: TypeEngine[Any], dialect: Dialect, type_code: Any) -> Convert | None:
    """How a result value of ``type_`` comes back from the driver (None: as it is)."""
    if dialect.name == "sqlite":
        if isinstance(type_, UtcDateTime):
            return _utc_from_text
        if isinstance(type_.dialect_impl(dialect), JSON):
            return lambda value: None if value is None else json_codec.loads(value)
    processor = type_.dialect_impl(dialect).result_processor(dialect, type_code)
    return processor if callable(processor) else None


@lru_cache(maxsize=256)  # the rows of a step share a few time stamps, also across steps
def _utc_text(value: dt.datetime | None) -> str | None:
    """What ``UtcDateTime`` stores on SQLite: naive UTC text with microseconds."""
    if value is None:
        return None
    if value.tzinfo is not dt.UTC:
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given; Kontor stores aware UTC times")
        value = value.astimezone(dt.UTC)
    return value.isoformat(" ", "microseconds")[:-6]  # without "+00:00"


@lru_cache(maxsize=256)
def _utc_text_with_offset(value: dt.datetime | None) -> str | None:
    """A ``timestamptz`` parameter on PostgreSQL: UTC text with microseconds and its offset."""
    text = _utc_text(value)
    return None if text is None else text + "+00:00"


def _utc_from_text(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
