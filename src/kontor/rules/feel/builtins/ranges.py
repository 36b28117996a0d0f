"""Range built-ins (DMN 1.5 §10.3.4.7): before, after, meets, overlaps, includes, ..."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kontor.rules.feel.builtins.base import BuiltinFunction, Signature, fail
from kontor.rules.feel.operators import compare
from kontor.rules.feel.values import Range

_LOWEST: Any = object()
_HIGHEST: Any = object()


def _order(left: Any, right: Any) -> int:
    """Compare points where open range bounds are -infinity / +infinity."""
    if left is right and left in (_LOWEST, _HIGHEST):
        return 0
    if left is _LOWEST or right is _HIGHEST:
        return -1
    if left is _HIGHEST or right is _LOWEST:
        return 1
    order = compare(left, right)
    if order is None:
        raise fail("range bounds or points are not comparable")
    return order


class _Span:
    """A range or point with open bounds made explicit."""

    __slots__ = ("end", "end_included", "start", "start_included")

    def __init__(self, value: Any) -> None:
        if type(value) is Range:
            if value.operator == "!=":
                raise fail("a range (!= a) has no bounds to compare")
            self.start = _LOWEST if value.start is None else value.start
            self.end = _HIGHEST if value.end is None else value.end
            self.start_included, self.end_included = value.start_included, value.end_included
        else:
            if value is None:
                raise fail("point must not be null")
            self.start = self.end = value
            self.start_included = self.end_included = True


def _lt(left: Any, right: Any) -> bool:
    return _order(left, right) < 0


def _eq(left: Any, right: Any) -> bool:
    return _order(left, right) == 0


def _before(a: _Span, b: _Span) -> bool:
    return _lt(a.end, b.start) or (
        _eq(a.end, b.start) and not (a.end_included and b.start_included)
    )


def _meets(a: _Span, b: _Span) -> bool:
    return a.end_included and b.start_included and _eq(a.end, b.start)


def _overlaps(a: _Span, b: _Span) -> bool:
    return (
        _lt(b.start, a.end) or (_eq(a.end, b.start) and a.end_included and b.start_included)
    ) and (_lt(a.start, b.end) or (_eq(a.start, b.end) and a.start_included and b.end_included))


def _overlaps_before(a: _Span, b: _Span) -> bool:
    starts_first = _lt(a.start, b.start) or (
        _eq(a.start, b.start) and a.start_included and not b.start_included
    )
    reaches_b = _lt(b.start, a.end) or (_eq(a.end, b.start) and a.end_included and b.start_included)
    ends_first = _lt(a.end, b.end) or (_eq(a.end, b.end) and (not a.end_included or b.end_included))
    return starts_first and reaches_b and ends_first


def _includes(a: _Span, b: _Span) -> bool:
    return (
        _lt(a.start, b.start)
        or (_eq(a.start, b.start) and (a.start_included or not b.start_included))
    ) and (_lt(b.end, a.end) or (_eq(a.end, b.end) and (a.end_included or not b.end_included)))


def _finishes(a: _Span, b: _Span) -> bool:
    return (
        a.end_included == b.end_included
        and _eq(a.end, b.end)
        and (
            _lt(b.start, a.start)
            or (_eq(a.start, b.start) and (not a.start_included or b.start_included))
        )
    )


def _starts(a: _Span, b: _Span) -> bool:
    return (
        a.start_included == b.start_included
        and _eq(a.start, b.start)
        and (_lt(a.end, b.end) or (_eq(a.end, b.end) and (not a.end_included or b.end_included)))
    )


def _coincides(a: _Span, b: _Span) -> bool:
    return (
        _eq(a.start, b.start)
        and _eq(a.end, b.end)
        and a.start_included == b.start_included
        and a.end_included == b.end_included
    )


def _relation(
    name: str, test: Callable[[_Span, _Span], bool], parameter_pairs: list[tuple[str, str]]
) -> BuiltinFunction:
    def run(first: Any, second: Any) -> bool:
        if first is None or second is None:
            raise fail(f"{name} needs two non-null arguments")
        return test(_Span(first), _Span(second))

    return BuiltinFunction(name, *(Signature(pair, run) for pair in parameter_pairs))


_POINTS = ("point1", "point2")
_POINT_RANGE = ("point", "range")
_RANGE_POINT = ("range", "point")
_RANGES = ("range1", "range2")

FUNCTIONS = [
    _relation("before", _before, [_POINTS, _POINT_RANGE, _RANGE_POINT, _RANGES]),
    _relation("after", lambda a, b: _before(b, a), [_POINTS, _POINT_RANGE, _RANGE_POINT, _RANGES]),
    _relation("meets", _meets, [_RANGES]),
    _relation("met by", lambda a, b: _meets(b, a), [_RANGES]),
    _relation("overlaps", _overlaps, [_RANGES]),
    _relation("overlaps before", _overlaps_before, [_RANGES]),
    _relation("overlaps after", lambda a, b: _overlaps_before(b, a), [_RANGES]),
    _relation("finishes", _finishes, [_POINT_RANGE, _RANGES]),
    _relation("finished by", lambda a, b: _finishes(b, a), [_RANGE_POINT, _RANGES]),
    _relation("includes", _includes, [_RANGE_POINT, _RANGES]),
    _relation("during", lambda a, b: _includes(b, a), [_POINT_RANGE, _RANGES]),
    _relation("starts", _starts, [_POINT_RANGE, _RANGES]),
    _relation("started by", lambda a, b: _starts(b, a), [_RANGE_POINT, _RANGES]),
    _relation("coincides", _coincides, [_POINTS, _RANGES]),
]
