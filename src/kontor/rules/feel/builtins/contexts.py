"""Context built-ins (DMN 1.5 §10.3.4.8): get value, get entries, context put, context merge."""

from __future__ import annotations

from typing import Any

from kontor.rules.feel.builtins.base import (
    BuiltinFunction,
    Signature,
    builtin,
    fail,
    need_context,
    need_list,
    need_string,
)


def _get_value(context: Any, key: Any) -> Any:
    return need_context(context, "m").get(need_string(key, "key"))


def _get_entries(context: Any) -> list[dict[str, Any]]:
    return [{"key": key, "value": value} for key, value in need_context(context, "m").items()]


def _context_put(context: Any, key: Any, value: Any) -> dict[str, Any]:
    source = need_context(context, "context")
    if type(key) is list:
        return _put_path(source, key, value)
    return _context_put_key(source, key, value)


def _context_put_keys(context: Any, keys: Any, value: Any) -> dict[str, Any]:
    source = need_context(context, "context")
    if type(keys) is not list:
        raise fail("keys must be a list of strings")
    return _put_path(source, keys, value)


def _context_put_key(context: Any, key: Any, value: Any) -> dict[str, Any]:
    result = dict(need_context(context, "context"))
    result[need_string(key, "key")] = value
    return result


def _put_path(source: dict[str, Any], keys: list[Any], value: Any) -> dict[str, Any]:
    if not keys:
        raise fail("keys must not be empty")
    head = need_string(keys[0], "keys")
    result = dict(source)
    if len(keys) == 1:
        result[head] = value
        return result
    nested = result.get(head)
    if type(nested) is not dict:
        raise fail(f"entry {head!r} is not a context")
    result[head] = _put_path(nested, keys[1:], value)
    return result


def _context_merge(contexts: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for context in need_list(contexts, "contexts"):
        result.update(need_context(context, "contexts item"))
    return result


FUNCTIONS = [
    builtin("get value", ("m", "key"), _get_value),
    builtin("get entries", ("m",), _get_entries),
    BuiltinFunction(
        "context put",
        Signature(("context", "key", "value"), _context_put, named=False),
        Signature(("context", "key", "value"), _context_put_key, positional=False),
        Signature(("context", "keys", "value"), _context_put_keys, positional=False),
    ),
    builtin("context merge", ("contexts",), _context_merge),
]
