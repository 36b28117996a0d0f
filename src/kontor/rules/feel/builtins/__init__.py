"""Registry of all FEEL built-in functions by name."""

from __future__ import annotations

from kontor.rules.feel.builtins import (
    contexts,
    conversion,
    lists,
    numeric,
    ranges,
    strings,
    temporal_functions,
)
from kontor.rules.feel.builtins.base import BuiltinFunction

BUILTINS: dict[str, BuiltinFunction] = {
    function.name or "": function
    for module in (conversion, strings, lists, numeric, temporal_functions, ranges, contexts)
    for function in module.FUNCTIONS
}
BUILTIN_NAMES: tuple[str, ...] = tuple(BUILTINS)

__all__ = ["BUILTINS", "BUILTIN_NAMES", "BuiltinFunction"]
