"""FEEL runtime values that have no native Python counterpart: ranges and functions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from kontor.rules.feel.durations import DaysTimeDuration, YearsMonthsDuration
from kontor.rules.feel.errors import FeelDataError
from kontor.rules.feel.wide_values import WideDate, WideDateTime, WideTime


class Range:
    """A FEEL range; a None bound means the range is open on that side.

    `operator` marks the ranges written `(=a)` and `(!=a)` (start and end are `a`): they equal
    only ranges written alike, and `(!=a)` holds every value but `a`.
    """

    __slots__ = ("end", "end_included", "operator", "start", "start_included")

    def __init__(
        self,
        start: Any,
        end: Any,
        start_included: bool = True,
        end_included: bool = True,
        operator: str | None = None,
    ) -> None:
        self.start = start
        self.end = end
        self.operator = operator
        self.start_included = start_included if start is not None else False
        self.end_included = end_included if end is not None else False

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Range):
            return NotImplemented
        from kontor.rules.feel.operators import values_equal

        return (
            values_equal(self.start, other.start) is True
            and values_equal(self.end, other.end) is True
            and self.start_included == other.start_included
            and self.end_included == other.end_included
            and self.operator == other.operator
        )

    def __hash__(self) -> int:
        return hash((self.start_included, self.end_included))

    def __repr__(self) -> str:
        if self.operator is not None:
            return f"Range({self.operator}{self.start!r})"
        opening = "[" if self.start_included else "("
        closing = "]" if self.end_included else ")"
        return f"Range({opening}{self.start!r}..{self.end!r}{closing})"


class FeelFunction:
    """A FEEL function value: binds positional or named arguments, then calls `impl`."""

    def __init__(
        self,
        parameters: Sequence[str],
        impl: Callable[..., Any],
        name: str | None = None,
    ) -> None:
        self.parameters = tuple(parameters)
        self.impl = impl
        self.name = name

    def bind(self, arguments: Sequence[Any], names: Sequence[str] | None) -> list[Any]:
        """Order the arguments by parameter; named ones may come in any order."""
        if names is None:
            if len(arguments) > len(self.parameters):
                raise FeelDataError(
                    "invalid-arguments",
                    f"{self.describe()} takes {len(self.parameters)} arguments, "
                    f"got {len(arguments)}",
                )
            return [*arguments, *([None] * (len(self.parameters) - len(arguments)))]
        bound: dict[str, Any] = dict(zip(names, arguments, strict=True))
        unknown = [name for name in bound if name not in self.parameters]
        if unknown:
            raise FeelDataError(
                "invalid-arguments", f"{self.describe()} has no parameter {unknown[0]!r}"
            )
        return [bound.get(parameter) for parameter in self.parameters]

    def apply(self, arguments: Sequence[Any], names: Sequence[str] | None = None) -> Any:
        """Invoke with FEEL argument passing; raises FeelDataError on a bad call."""
        return self.impl(*self.bind(arguments, names))

    def __call__(self, *arguments: Any) -> Any:
        return self.impl(*arguments)

    def describe(self) -> str:
        """Name used in messages."""
        return f"function {self.name}" if self.name else "anonymous function"

    def __repr__(self) -> str:
        return f"FeelFunction({self.name or '<anonymous>'}({', '.join(self.parameters)}))"


def type_name(value: Any) -> str:
    """The FEEL type name of a runtime value (used in messages and instance of)."""
    kind = type(value)
    if value is None:
        return "Null"
    if kind is bool:
        return "boolean"
    if kind is Decimal or kind is int or kind is float:
        return "number"
    if kind is str:
        return "string"
    if kind is date:
        return "date"
    if kind is datetime:
        return "date and time"
    if kind is time:
        return "time"
    if kind is DaysTimeDuration:
        return "days and time duration"
    if kind is YearsMonthsDuration:
        return "years and months duration"
    if kind is list:
        return "list"
    if kind is dict:
        return "context"
    if kind is Range:
        return "range"
    if isinstance(value, FeelFunction):
        return "function"
    return _WIDE_NAMES.get(kind, kind.__name__)


_WIDE_NAMES = {WideDate: "date", WideTime: "time", WideDateTime: "date and time"}
