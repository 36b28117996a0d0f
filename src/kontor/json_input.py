"""JSON a caller sent outside a request body (query parameters, form fields, tokens, uploads).

``json.loads`` parses nesting recursively: a few thousand brackets raise ``RecursionError``,
which no caller expects (a 500 before this module), and a document just below that limit
crashes the first recursive walk over it. Here both are a ``ValueError`` like any other
invalid JSON, so the callers' existing refusals name the field.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64
"""The deepest nesting accepted (a filter, a form's data and a scenario need far less)."""


def loads_bounded(text: str | bytes, max_depth: int = MAX_DEPTH, **options: Any) -> Any:
    """``text`` parsed by ``json.loads(text, **options)``; ``ValueError`` when it is no JSON
    or nests deeper than ``max_depth`` levels."""
    try:
        document = json.loads(text, **options)
    except RecursionError:
        raise ValueError(f"the JSON nests deeper than {max_depth} levels") from None
    if _deeper_than(document, max_depth):
        raise ValueError(f"the JSON nests deeper than {max_depth} levels")
    return document


def _deeper_than(document: Any, max_depth: int) -> bool:
    """Whether lists and objects in ``document`` nest more than ``max_depth`` levels (walked
    without recursion)."""
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > max_depth:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False
