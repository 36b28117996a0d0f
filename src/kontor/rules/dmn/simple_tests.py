"""Recognises simple unary tests (literals, comparisons, intervals) for fast matching and checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

_NUMBER = r"-?\d+(?:\.\d+)?"
_STRING = r'"[^"\\]*"'
_TOKEN = re.compile(
    rf"\s*(?:(?P<interval>(?P<open>[\[\(\]])\s*(?P<lo>{_NUMBER})\s*\.\.\s*(?P<hi>{_NUMBER})\s*(?P<close>[\]\)\[]))"
    rf"|(?P<op><=|>=|<|>|=)?\s*(?:(?P<number>{_NUMBER})|(?P<string>{_STRING}))"
    rf"|(?P<bool>true|false))\s*(?P<sep>,|$)"
)


@dataclass(frozen=True)
class Interval:
    """A numeric interval; None bounds are unbounded."""

    low: Decimal | None
    low_closed: bool
    high: Decimal | None
    high_closed: bool

    def contains(self, value: Decimal) -> bool:
        """Tell whether `value` lies in the interval."""
        if self.low is not None and (
            value < self.low or (value == self.low and not self.low_closed)
        ):
            return False
        return not (
            self.high is not None
            and (value > self.high or (value == self.high and not self.high_closed))
        )


@dataclass(frozen=True)
class SimpleTests:
    """A disjunction of simple tests over one kind of value (number, string or boolean)."""

    kind: str  # "number" | "string" | "boolean"
    intervals: tuple[Interval, ...] = ()
    values: frozenset[str | bool] = frozenset()


def parse_simple_tests(text: str) -> SimpleTests | None:
    """Parse `text` if it only uses literals, comparisons and intervals of one kind; else None."""
    position = 0
    kinds: set[str] = set()
    intervals: list[Interval] = []
    values: set[str | bool] = set()
    text = text.strip()
    if not text:
        return None
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            return None
        position = match.end()
        if match.group("sep") == "," and position >= len(text):
            return None
        try:
            if not _add_atom(match, kinds, intervals, values):
                return None
        except InvalidOperation:
            return None
    if len(kinds) != 1:
        return None
    return SimpleTests(kinds.pop(), tuple(intervals), frozenset(values))


def _add_atom(
    match: re.Match[str], kinds: set[str], intervals: list[Interval], values: set[str | bool]
) -> bool:
    if match.group("interval"):
        low, high = Decimal(match.group("lo")), Decimal(match.group("hi"))
        kinds.add("number")
        intervals.append(
            Interval(low, match.group("open") == "[", high, match.group("close") == "]")
        )
        return True
    if match.group("bool"):
        kinds.add("boolean")
        values.add(match.group("bool") == "true")
        return True
    op = match.group("op") or "="
    if match.group("string") is not None:
        if op != "=":
            return False
        kinds.add("string")
        values.add(match.group("string")[1:-1])
        return True
    number = Decimal(match.group("number"))
    kinds.add("number")
    intervals.extend(_comparison(op, number))
    return True


def _comparison(op: str, number: Decimal) -> list[Interval]:
    if op == "=":
        return [Interval(number, True, number, True)]
    if op in ("<", "<="):
        return [Interval(None, False, number, op == "<=")]
    return [Interval(number, op == ">=", None, False)]


class CompiledSimpleTests:
    """Python matcher for simple unary tests; saves a FEEL compile at import (same semantics)."""

    def __init__(self, text: str, tests: SimpleTests) -> None:
        self.source = text
        self.tests = tests

    def matches(
        self, value: Any, scope: Mapping[str, Any], warnings: list[Any] | None = None
    ) -> bool:
        """Numbers against the intervals, strings and booleans by membership; null never matches."""
        tests = self.tests
        if tests.kind == "number":
            kind = type(value)
            if kind is not Decimal and kind is not int and kind is not float:
                return False
            return any(interval.contains(value) for interval in tests.intervals)
        if tests.kind == "string":
            return type(value) is str and value in tests.values
        return type(value) is bool and value in tests.values


def compile_simple_tests(text: str) -> CompiledSimpleTests | None:
    """Return a Python matcher when `text` is a simple unary test, else None."""
    tests = parse_simple_tests(text)
    return None if tests is None else CompiledSimpleTests(text, tests)
