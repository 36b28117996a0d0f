"""Per-column rule indexes of a decision table: an input value maps to a bitmask of rules."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from kontor.rules.dmn.simple_tests import Interval, SimpleTests, parse_simple_tests


class Column:
    """Base: the bitmask of rules whose entry in this column accepts `value`."""

    def __init__(self, position: int, any_mask: int) -> None:
        self.position = position
        self.any_mask = any_mask  # rules with "-" in this column

    def mask(
        self, value: Any, scope: Mapping[str, Any], warnings: list[Any], candidates: int
    ) -> int:
        """Return the rules (as bits) accepting `value`; only `candidates` need to be exact."""
        raise NotImplementedError


class StringColumn(Column):
    """All entries are string literal lists: one dict lookup."""

    def __init__(self, position: int, any_mask: int, by_value: dict[str, int]) -> None:
        super().__init__(position, any_mask)
        self.by_value = {key: bits | any_mask for key, bits in by_value.items()}

    def mask(
        self, value: Any, scope: Mapping[str, Any], warnings: list[Any], candidates: int
    ) -> int:
        """Dict lookup; non-strings only match "-"."""
        if type(value) is str:
            return self.by_value.get(value, self.any_mask)
        return self.any_mask


class BooleanColumn(Column):
    """All entries are true/false."""

    def __init__(self, position: int, any_mask: int, true_mask: int, false_mask: int) -> None:
        super().__init__(position, any_mask)
        self.true_mask = true_mask | any_mask
        self.false_mask = false_mask | any_mask

    def mask(
        self, value: Any, scope: Mapping[str, Any], warnings: list[Any], candidates: int
    ) -> int:
        """Identity checks so that 1 and 0 do not pass as booleans."""
        if value is True:
            return self.true_mask
        if value is False:
            return self.false_mask
        return self.any_mask


class NumberColumn(Column):
    """All entries are numeric comparisons/intervals: binary search over the boundaries."""

    def __init__(
        self, position: int, any_mask: int, entries: Sequence[tuple[int, SimpleTests]]
    ) -> None:
        super().__init__(position, any_mask)
        bounds = sorted(
            {
                bound
                for _, tests in entries
                for interval in tests.intervals
                for bound in _bounds(interval)
            }
        )
        self.bounds = bounds
        # segment 2i: the open stretch below bounds[i]; segment 2i+1: exactly bounds[i]
        probes: list[Decimal] = []
        for index, bound in enumerate(bounds):
            below = bounds[index - 1] if index else bound - 1
            probes.append((below + bound) / 2 if index else below)
            probes.append(bound)
        probes.append(bounds[-1] + 1 if bounds else Decimal(0))
        self.segment_masks = [any_mask | _mask_for(probe, entries) for probe in probes]

    def mask(
        self, value: Any, scope: Mapping[str, Any], warnings: list[Any], candidates: int
    ) -> int:
        """Locate the segment of `value`; non-numbers only match "-"."""
        kind = type(value)
        if kind is not Decimal and kind is not int and kind is not float:
            return self.any_mask
        if value != value:  # NaN compares false to everything
            return self.any_mask
        index = bisect_left(self.bounds, value)
        if index < len(self.bounds) and self.bounds[index] == value:
            return self.segment_masks[2 * index + 1]
        return self.segment_masks[2 * index]


class GenericColumn(Column):
    """Entries evaluated by FEEL; each distinct text once, and only for live candidates."""

    def __init__(self, position: int, any_mask: int, tests: Sequence[tuple[Any, int]]) -> None:
        super().__init__(position, any_mask)
        self.tests = tuple(tests)

    def mask(
        self, value: Any, scope: Mapping[str, Any], warnings: list[Any], candidates: int
    ) -> int:
        """Call FEEL unary tests for each distinct entry that can still matter."""
        result = self.any_mask
        for compiled, bits in self.tests:
            if bits & candidates and compiled.matches(value, scope, warnings) is True:
                result |= bits
        return result


def _bounds(interval: Interval) -> list[Decimal]:
    return [bound for bound in (interval.low, interval.high) if bound is not None]


def _mask_for(probe: Decimal, entries: Sequence[tuple[int, SimpleTests]]) -> int:
    bits = 0
    for rule_bit, tests in entries:
        if any(interval.contains(probe) for interval in tests.intervals):
            bits |= rule_bit
    return bits


def build_column(position: int, entries: Sequence[tuple[int, str, Any]]) -> Column:
    """Build the fastest column for `entries` = (rule bit, entry text, compiled tests or None)."""
    any_mask = 0
    specific: list[tuple[int, str, Any]] = []
    for bit, text, compiled in entries:
        if compiled is None:
            any_mask |= bit
        else:
            specific.append((bit, text, compiled))
    parsed = [(bit, parse_simple_tests(text)) for bit, text, _ in specific]
    kinds = {tests.kind if tests else None for _, tests in parsed}
    if specific and len(kinds) == 1 and None not in kinds:
        simple = [(bit, tests) for bit, tests in parsed if tests is not None]
        kind = kinds.pop()
        if kind == "string":
            by_value: dict[str, int] = {}
            for bit, tests in simple:
                for literal in tests.values:
                    assert isinstance(literal, str)
                    by_value[literal] = by_value.get(literal, 0) | bit
            return StringColumn(position, any_mask, by_value)
        if kind == "boolean":
            true_mask = sum(bit for bit, tests in simple if True in tests.values)
            false_mask = sum(bit for bit, tests in simple if False in tests.values)
            return BooleanColumn(position, any_mask, true_mask, false_mask)
        return NumberColumn(position, any_mask, simple)
    distinct: dict[str, tuple[Any, int]] = {}
    for bit, text, compiled in specific:
        key = text.strip()
        previous = distinct.get(key)
        distinct[key] = (compiled, bit) if previous is None else (previous[0], previous[1] | bit)
    return GenericColumn(position, any_mask, list(distinct.values()))


def probes_for(intervals: Sequence[Interval]) -> list[tuple[Decimal, str]]:
    """Representative values of the elementary segments cut by the interval bounds."""
    bounds = sorted({bound for interval in intervals for bound in _bounds(interval)})
    if not bounds:
        return [(Decimal(0), "any number")]
    cells: list[tuple[Decimal, str]] = [(bounds[0] - 1, f"< {bounds[0]}")]
    for index, bound in enumerate(bounds):
        cells.append((bound, f"= {bound}"))
        if index + 1 < len(bounds):
            following = bounds[index + 1]
            cells.append(((bound + following) / 2, f"in ({bound}..{following})"))
    cells.append((bounds[-1] + 1, f"> {bounds[-1]}"))
    return cells
