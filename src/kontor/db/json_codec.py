"""The one JSON codec of Kontor's JSON columns: ``Decimal`` values are written and read exactly.

Fractional numbers read back as ``Decimal`` (money must never pass through float); the
standard library cannot write a ``Decimal`` as a JSON number, simplejson can.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import simplejson


class EncodedJson(str):
    """JSON text already encoded: a JSON column stores it as it is."""

    __slots__ = ()


def dumps(value: Any) -> str:
    """``value`` as JSON text; ``Decimal`` as an exact number, dates and times as ISO text."""
    if type(value) is EncodedJson:
        return value
    return _ENCODER.encode(value)


def loads(text: str | bytes | int | float) -> Any:
    """JSON text as Python values, fractional numbers as ``Decimal``."""
    if isinstance(text, int | float):
        # SQLite gives a JSON column NUMERIC affinity: a document that is a bare number comes
        # back as REAL, kept to 15 significant digits; its shortest text is the number written.
        return text if isinstance(text, int) else Decimal(repr(text))
    return _DECODER.decode(text if isinstance(text, str) else text.decode())


def _iso(value: Any) -> str:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# one encoder for every call (building it costs a quarter of encoding a small document); it
# keeps no state between calls
_ENCODER = simplejson.JSONEncoder(use_decimal=True, ensure_ascii=False, default=_iso)
_DECODER = simplejson.JSONDecoder(parse_float=Decimal)  # as simplejson.loads(use_decimal=True)
