"""The whitelisted methods of text, numbers, booleans, lists, maps and ``execution``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from kontor.process.juel.coerce import describe, is_number, to_number, to_text
from kontor.process.juel.errors import JuelEvaluationError

Method = Callable[..., Any]

MAX_TEXT_LENGTH = 1_000_000
"""A method making longer text fails: repeated ``replace``/``concat`` could otherwise double
the text with every call."""


def _index(value: Any) -> int:
    number = to_number(value)
    if number != number.to_integral_value():
        raise JuelEvaluationError(f"index {number} is not a whole number")
    return int(number)


def _find(text: str, part: Any) -> Decimal:
    return Decimal(text.find(to_text(part)))


def _substring(text: str, start: Any, end: Any = None) -> str:
    first = _index(start)
    last = len(text) if end is None else _index(end)
    if not 0 <= first <= last <= len(text):
        raise JuelEvaluationError(f"substring({first}, {last}) is outside a text of {len(text)}")
    return text[first:last]


def _compare(left: Any, right: Any) -> Decimal:
    return Decimal((left > right) - (left < right))


def _list_get(items: list[Any], index: Any) -> Any:
    position = _index(index)
    if not 0 <= position < len(items):
        raise JuelEvaluationError(f"index {position} is outside a list of {len(items)}")
    return items[position]


TEXT_METHODS: dict[str, Method] = {
    "length": lambda s: Decimal(len(s)),
    "isEmpty": lambda s: s == "",
    "contains": lambda s, part: to_text(part) in s,
    "startsWith": lambda s, part: s.startswith(to_text(part)),
    "endsWith": lambda s, part: s.endswith(to_text(part)),
    "equals": lambda s, other: isinstance(other, str) and s == other,
    "equalsIgnoreCase": lambda s, other: isinstance(other, str) and s.lower() == other.lower(),
    "toUpperCase": lambda s: s.upper(),
    "toLowerCase": lambda s: s.lower(),
    "trim": lambda s: s.strip(),
    "substring": _substring,
    "indexOf": _find,
    "lastIndexOf": lambda s, part: Decimal(s.rfind(to_text(part))),
    "concat": lambda s, other: s + to_text(other),
    "replace": lambda s, old, new: s.replace(to_text(old), to_text(new)),
    "compareTo": lambda s, other: _compare(s, to_text(other)),
    "toString": lambda s: s,
}
NUMBER_METHODS: dict[str, Method] = {
    "intValue": lambda n: Decimal(int(n)),
    "longValue": lambda n: Decimal(int(n)),
    "doubleValue": lambda n: n,
    "floatValue": lambda n: n,
    "abs": lambda n: abs(n),
    "equals": lambda n, other: is_number(other) and n == other,
    "compareTo": lambda n, other: _compare(n, to_number(other)),
    "toString": lambda n: str(n),
}
BOOLEAN_METHODS: dict[str, Method] = {
    "booleanValue": lambda b: b,
    "equals": lambda b, other: isinstance(other, bool) and b == other,
    "toString": lambda b: "true" if b else "false",
}
LIST_METHODS: dict[str, Method] = {
    "size": lambda items: Decimal(len(items)),
    "isEmpty": lambda items: not items,
    "contains": lambda items, item: item in items,
    "get": _list_get,
    "indexOf": lambda items, item: Decimal(items.index(item) if item in items else -1),
    "equals": lambda items, other: items == other,
}
MAP_METHODS: dict[str, Method] = {
    "size": lambda entries: Decimal(len(entries)),
    "isEmpty": lambda entries: not entries,
    "containsKey": lambda entries, key: to_text(key) in entries,
    "containsValue": lambda entries, value: value in entries.values(),
    "get": lambda entries, key: entries.get(to_text(key)),
    "keySet": lambda entries: list(entries),
    "values": lambda entries: list(entries.values()),
    "equals": lambda entries, other: entries == other,
}
EXECUTION_METHODS = frozenset(
    {
        "getVariable", "getVariableLocal", "hasVariable", "hasVariableLocal", "getVariables",
        "getProcessInstanceId",
    }
)  # fmt: skip

SUPPORTED_METHODS = frozenset(
    set(TEXT_METHODS)
    | set(NUMBER_METHODS)
    | set(BOOLEAN_METHODS)
    | set(LIST_METHODS)
    | set(MAP_METHODS)
    | EXECUTION_METHODS
)


def call_method(base: Any, name: str, arguments: list[Any]) -> Any:
    """Call the whitelisted method ``name`` of a value; anything else is an error."""
    if base is None:
        raise JuelEvaluationError(f"cannot call '{name}()' on null")
    if isinstance(base, bool):
        table = BOOLEAN_METHODS
    elif is_number(base):
        table = NUMBER_METHODS
    elif isinstance(base, str):
        table = TEXT_METHODS
    elif isinstance(base, list):
        table = LIST_METHODS
    elif isinstance(base, Mapping):
        table = MAP_METHODS
    else:
        table = {}
    method = table.get(name)
    if method is None:
        raise JuelEvaluationError(f"{describe(base)} has no method '{name}()'")
    try:
        result = method(base, *arguments)
    except TypeError as error:
        raise JuelEvaluationError(
            f"'{name}()' of {describe(base)} does not take {len(arguments)} argument(s)"
        ) from error
    except (IndexError, ValueError, ArithmeticError) as error:
        if isinstance(error, JuelEvaluationError):
            raise
        raise JuelEvaluationError(f"'{name}()' failed: {error}") from error
    if isinstance(result, str) and len(result) > MAX_TEXT_LENGTH:
        raise JuelEvaluationError(
            f"'{name}()' makes a text longer than {MAX_TEXT_LENGTH} characters"
        )
    return result
