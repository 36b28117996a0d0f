"""Built-in function values: overloads by arity or parameter names, argument checks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from kontor.rules.feel.errors import FeelDataError
from kontor.rules.feel.numbers import NUMBER_CONTEXT, as_decimal
from kontor.rules.feel.values import FeelFunction, type_name
from kontor.rules.feel.wide_values import CalendarDay, WideDate, WideDateTime


class Signature:
    """One overload: parameter names, implementation and whether the last one collects the rest."""

    __slots__ = ("impl", "named", "parameters", "positional", "rest")

    def __init__(
        self,
        parameters: Sequence[str],
        impl: Callable[..., Any],
        rest: bool = False,
        *,
        positional: bool = True,
        named: bool = True,
    ) -> None:
        self.parameters = tuple(parameters)
        self.impl = impl
        self.rest = rest
        self.positional = positional
        self.named = named

    def accepts_count(self, count: int) -> bool:
        """Whether `count` positional arguments fit."""
        if self.rest:
            return count >= len(self.parameters)
        return count == len(self.parameters)


class BuiltinFunction(FeelFunction):
    """A FEEL built-in; picks the overload matching the arguments given."""

    def __init__(self, name: str, *signatures: Signature) -> None:
        first = signatures[0]
        super().__init__(first.parameters, first.impl, name)
        self.signatures = signatures

    def apply(self, arguments: Sequence[Any], names: Sequence[str] | None = None) -> Any:
        """Bind to the matching overload and run it."""
        if names is None:
            for signature in self.signatures:
                if signature.positional and signature.accepts_count(len(arguments)):
                    if signature.rest:
                        fixed = len(signature.parameters) - 1
                        return signature.impl(*arguments[:fixed], list(arguments[fixed:]))
                    return signature.impl(*arguments)
            raise FeelDataError(
                "invalid-arguments",
                f"no overload of {self.name} takes {len(arguments)} arguments",
            )
        given = set(names)
        # Prefer the smallest overload that has every named parameter; missing ones are null.
        candidates = [s for s in self.signatures if s.named and given <= set(s.parameters)]
        if not candidates:
            raise FeelDataError(
                "invalid-arguments",
                f"{self.name} has no overload with parameters {', '.join(names)}",
            )
        signature = min(candidates, key=lambda s: len(s.parameters))
        bound = dict(zip(names, arguments, strict=True))
        values = [bound.get(parameter) for parameter in signature.parameters]
        if signature.rest:
            values[-1] = [values[-1]]
        return signature.impl(*values)

    def __call__(self, *arguments: Any) -> Any:
        return self.apply(arguments)


def builtin(name: str, parameters: Sequence[str], impl: Callable[..., Any]) -> BuiltinFunction:
    """Shorthand for a built-in with a single signature."""
    return BuiltinFunction(name, Signature(parameters, impl))


def fail(message: str, code: str = "invalid-argument") -> FeelDataError:
    """The error a built-in raises for arguments it cannot work with."""
    return FeelDataError(code, message)


def _unwrap_singleton(value: Any) -> Any:
    # A singleton list passed where a single value is expected stands for its element.
    return value[0] if type(value) is list and len(value) == 1 else value


def need_number(value: Any, parameter: str) -> Decimal:
    """Check a number argument."""
    value = _unwrap_singleton(value)
    kind = type(value)
    if kind is Decimal:
        if value.adjusted() > NUMBER_CONTEXT.Emax:
            # Only a caller bypassing to_feel hands over such a Decimal; int() of it would hang.
            raise fail(f"{parameter} is beyond the range of decimal128")
        return value  # type: ignore[no-any-return]
    if kind is int or kind is float:
        return as_decimal(value)
    raise fail(f"{parameter} must be a number, got {type_name(value)}")


def need_string(value: Any, parameter: str) -> str:
    """Check a string argument."""
    value = _unwrap_singleton(value)
    if type(value) is str:
        return value
    raise fail(f"{parameter} must be a string, got {type_name(value)}")


def need_list(value: Any, parameter: str) -> list[Any]:
    """Check a list argument."""
    if type(value) is list:
        return value
    if value is not None:
        # A single value where a list is expected counts as a singleton list.
        return [value]
    raise fail(f"{parameter} must be a list, got {type_name(value)}")


def need_context(value: Any, parameter: str) -> dict[str, Any]:
    """Check a context argument."""
    value = _unwrap_singleton(value)
    if type(value) is dict:
        return value
    raise fail(f"{parameter} must be a context, got {type_name(value)}")


def need_function(value: Any, parameter: str) -> FeelFunction:
    """Check a function argument."""
    if isinstance(value, FeelFunction):
        return value
    raise fail(f"{parameter} must be a function, got {type_name(value)}")


def need_date(value: Any, parameter: str) -> CalendarDay:
    """Check a date (or date and time) argument."""
    value = _unwrap_singleton(value)
    kind = type(value)
    if kind is date or kind is datetime or kind is WideDate or kind is WideDateTime:
        return value  # type: ignore[no-any-return]
    raise fail(f"{parameter} must be a date, got {type_name(value)}")


def need_integer(value: Any, parameter: str) -> int:
    """Check a whole-number argument."""
    number = need_number(value, parameter)
    if not number.is_finite() or number != number.to_integral_value():
        raise fail(f"{parameter} must be a whole number")
    return int(number)


def items_of(arguments: list[Any]) -> list[Any]:
    """`f(list)` or `f(a, b, c)`: the items either way."""
    if len(arguments) == 1 and type(arguments[0]) is list:
        return list(arguments[0])
    if len(arguments) == 1 and arguments[0] is None:
        raise fail("list must not be null")
    return arguments
