"""FEEL types: parsing type expressions and checking `instance of`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Protocol

from kontor.rules.feel.durations import DaysTimeDuration, YearsMonthsDuration
from kontor.rules.feel.errors import FeelSyntaxError
from kontor.rules.feel.wide_values import WideDate, WideDateTime, WideTime

_SIMPLE_CHECKS: dict[str, tuple[type, ...]] = {
    "number": (Decimal, int, float),
    "string": (str,),
    "boolean": (bool,),
    "date": (date, WideDate),
    "time": (time, WideTime),
    "date and time": (datetime, WideDateTime),
    "days and time duration": (DaysTimeDuration,),
    "years and months duration": (YearsMonthsDuration,),
    "list": (list,),
    "context": (dict,),
}
# Longest first so that "date and time" wins over "date".
_BUILTIN_NAMES = sorted(
    [*_SIMPLE_CHECKS, "Any", "Null", "range", "function", "dayTimeDuration", "yearMonthDuration"],
    key=len,
    reverse=True,
)
_KNOWN_NAMES = frozenset(_BUILTIN_NAMES)


class TypeLike(Protocol):
    """Anything that can tell whether a value belongs to it (FeelType or a DMN type)."""

    def is_instance(self, value: Any) -> bool:
        """Membership test."""
        ...


_ALIASES = {
    "dayTimeDuration": "days and time duration",
    "yearMonthDuration": "years and months duration",
}


@dataclass(frozen=True)
class FeelType:
    """A FEEL type; `name` is the base name, parameters depend on the kind."""

    name: str
    element: FeelType | None = None
    fields: tuple[tuple[str, FeelType], ...] = ()
    parameters: tuple[FeelType, ...] = ()
    result: FeelType | None = field(default=None)
    # For names defined outside FEEL (DMN item definitions): the membership test to use.
    check: Callable[[Any], bool] | None = field(default=None, compare=False)

    def is_instance(self, value: Any) -> bool:
        """Whether `value` belongs to this type (null only belongs to Null)."""
        if self.check is not None:
            return self.check(value)
        name = self.name
        if value is None:
            return name == "Null"
        if name == "Any":
            return True
        kinds = _SIMPLE_CHECKS.get(name)
        if kinds is not None:
            if type(value) not in kinds:
                return False
            if name == "list" and self.element is not None:
                return all(item is None or self.element.is_instance(item) for item in value)
            if name == "context" and self.fields:
                return all(
                    key in value and (value[key] is None or field_type.is_instance(value[key]))
                    for key, field_type in self.fields
                )
            return True
        if name == "range":
            return self._is_range(value)
        if name == "function":
            from kontor.rules.feel.values import FeelFunction

            if not isinstance(value, FeelFunction):
                return False
            return not self.parameters or len(value.parameters) == len(self.parameters)
        return False

    def resolve(self, types: Mapping[str, TypeLike]) -> FeelType:
        """Bind names defined outside FEEL (e.g. DMN item definitions) to their checks."""
        if not types:
            return self
        named = types.get(self.name) if self.name not in _KNOWN_NAMES else None
        if named is not None:
            return FeelType(self.name, check=named.is_instance)
        return FeelType(
            self.name,
            element=self.element.resolve(types) if self.element is not None else None,
            fields=tuple((key, value.resolve(types)) for key, value in self.fields),
            parameters=tuple(parameter.resolve(types) for parameter in self.parameters),
            result=self.result.resolve(types) if self.result is not None else None,
        )

    def _is_range(self, value: Any) -> bool:
        from kontor.rules.feel.values import Range

        if type(value) is not Range:
            return False
        if self.element is None:
            return True
        return all(
            bound is None or self.element.is_instance(bound) for bound in (value.start, value.end)
        )

    def __str__(self) -> str:
        if self.name in ("list", "range") and self.element is not None:
            return f"{self.name}<{self.element}>"
        if self.name == "context" and self.fields:
            inner = ", ".join(f"{key}: {value}" for key, value in self.fields)
            return f"context<{inner}>"
        if self.name == "function" and self.result is not None:
            inner = ", ".join(str(parameter) for parameter in self.parameters)
            return f"function<{inner}>->{self.result}"
        return self.name


class _TypeReader:
    def __init__(self, text: str, offset: int) -> None:
        self.text = text
        self.offset = offset

    def error(self, message: str) -> FeelSyntaxError:
        return FeelSyntaxError.at_offset(message, self.text, self.offset)

    def skip_space(self) -> None:
        while self.offset < len(self.text) and self.text[self.offset].isspace():
            self.offset += 1

    def accept(self, symbol: str) -> bool:
        self.skip_space()
        if self.text.startswith(symbol, self.offset):
            self.offset += len(symbol)
            return True
        return False

    def expect(self, symbol: str) -> None:
        if not self.accept(symbol):
            raise self.error(f"expected {symbol!r} in type")

    def word(self) -> str:
        self.skip_space()
        start = self.offset
        while self.offset < len(self.text) and (
            self.text[self.offset].isalnum() or self.text[self.offset] in "_."
        ):
            self.offset += 1
        if start == self.offset:
            raise self.error("expected a type name")
        return self.text[start : self.offset]

    def read_type(self) -> FeelType:
        self.skip_space()
        name = self._builtin_name()
        if name is None:
            return FeelType(self.word())
        name = _ALIASES.get(name, name)
        if name in ("list", "range") and self.accept("<"):
            element = self.read_type()
            self.expect(">")
            return FeelType(name, element=element)
        if name == "context" and self.accept("<"):
            fields = []
            while True:
                key = self.word()
                self.expect(":")
                fields.append((key, self.read_type()))
                if not self.accept(","):
                    break
            self.expect(">")
            return FeelType(name, fields=tuple(fields))
        if name == "function" and self.accept("<"):
            parameters: list[FeelType] = []
            if not self.accept(">"):
                while True:
                    parameters.append(self.read_type())
                    if not self.accept(","):
                        break
                self.expect(">")
            self.expect("->")
            return FeelType(name, parameters=tuple(parameters), result=self.read_type())
        return FeelType(name)

    def _builtin_name(self) -> str | None:
        for name in _BUILTIN_NAMES:
            end = self.offset + len(name)
            if self.text.startswith(name, self.offset) and not (
                end < len(self.text) and (self.text[end].isalnum() or self.text[end] == "_")
            ):
                self.offset = end
                return name
        return None


def read_type_at(text: str, offset: int) -> tuple[FeelType, int]:
    """Parse a type starting at `offset`; returns the type and the offset after it."""
    reader = _TypeReader(text, offset)
    parsed = reader.read_type()
    return parsed, reader.offset


def parse_type(text: str) -> FeelType:
    """Parse a complete FEEL type expression such as `list<number>`."""
    parsed, end = read_type_at(text, 0)
    if text[end:].strip():
        raise FeelSyntaxError.at_offset("unexpected text after type", text, end)
    return parsed
