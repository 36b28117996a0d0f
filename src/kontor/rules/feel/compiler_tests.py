"""Compilation of unary tests, with allocation-free fast paths for literal tests."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kontor.rules.feel import syntax as ast
from kontor.rules.feel.operators import compare, range_contains, values_equal
from kontor.rules.feel.runtime import Frame
from kontor.rules.feel.values import Range, type_name

if TYPE_CHECKING:
    from kontor.rules.feel.compiler import Compiler, CompileScope

Matcher = Callable[[Frame, Any], "bool | None"]
# A fast matcher answers from the value alone, or returns SLOW to ask the full matcher.
FastMatcher = Callable[[Any], Any]
SLOW: Any = object()
_NUMBER_KINDS = frozenset({Decimal, int, float})


def compile_positive_tests(
    compiler: Compiler, tests: list[ast.Node], scope: CompileScope | None
) -> Matcher:
    """Match when any test matches; null when none matches and some could not decide."""
    matchers = [compile_positive_test(compiler, test, scope) for test in tests]
    if len(matchers) == 1:
        return matchers[0]

    def match_any(frame: Frame, value: Any) -> bool | None:
        outcome: bool | None = False
        for matcher in matchers:
            verdict = matcher(frame, value)
            if verdict is True:
                return True
            if verdict is None:
                outcome = None
        return outcome

    return match_any


def compile_positive_test(
    compiler: Compiler, test: ast.Node, scope: CompileScope | None
) -> Matcher:
    """One positive unary test: comparison, range, or expression."""
    if isinstance(test, ast.UnaryComparison):
        return _comparison_matcher(compiler, test, scope)
    if isinstance(test, ast.Interval):
        interval = compiler.compile(test, scope)

        def match_interval(frame: Frame, value: Any) -> bool | None:
            value_range = interval(frame)
            return None if value_range is None else range_contains(value_range, value)

        return match_interval
    outer_uses_input = compiler.uses_input
    compiler.uses_input = False
    expression = compiler.compile(test, scope)
    uses_input = compiler.uses_input
    compiler.uses_input = outer_uses_input or uses_input
    if uses_input:

        def match_condition(frame: Frame, value: Any) -> bool | None:
            verdict = expression(frame)
            return verdict if type(verdict) is bool else None

        return match_condition
    return lambda frame, value: match_value(value, expression(frame), frame)


def match_value(value: Any, expected: Any, frame: Frame) -> bool | None:
    """Unary-test semantics of an expression result: equal, element of, in range, or true."""
    kind = type(expected)
    if kind is list:
        if type(value) is list and values_equal(value, expected) is True:
            return True
        return any(
            range_contains(item, value) is True
            if type(item) is Range
            else values_equal(value, item) is True
            for item in expected
        )
    if kind is Range:
        return range_contains(expected, value)
    if kind is bool and type(value) is not bool:
        return bool(expected)
    return values_equal(value, expected)


def _comparison_matcher(
    compiler: Compiler, test: ast.UnaryComparison, scope: CompileScope | None
) -> Matcher:
    endpoint = compiler.compile(test.endpoint, scope)
    operator = test.operator
    if operator == "=":
        return lambda frame, value: values_equal(value, endpoint(frame))
    if operator == "!=":

        def match_unequal(frame: Frame, value: Any) -> bool | None:
            verdict = values_equal(value, endpoint(frame))
            return None if verdict is None else not verdict

        return match_unequal
    accept = _ACCEPT[operator]

    def match_order(frame: Frame, value: Any) -> bool | None:
        bound = endpoint(frame)
        if type(value) is Decimal and type(bound) is Decimal:
            return accept(int(value > bound) - int(value < bound))
        order = compare(value, bound)
        if order is None:
            frame.ctx.warn(
                "not-comparable", f"cannot compare {type_name(value)} {operator} {type_name(bound)}"
            )
            return None
        return accept(order)

    return match_order


_ACCEPT: dict[str, Callable[[int], bool]] = {
    "<": lambda order: order < 0,
    "<=": lambda order: order <= 0,
    ">": lambda order: order > 0,
    ">=": lambda order: order >= 0,
}


def fast_matcher(tests: ast.UnaryTests) -> FastMatcher | None:
    """A frame-free matcher for tests made only of literals, or None."""
    if tests.any_value:
        return lambda value: True
    strings = _literal_strings(tests.tests)
    if strings is not None:
        return _fast_string_set(strings, tests.negated)
    parts = [_fast_test(test) for test in tests.tests]
    if any(part is None for part in parts):
        return None
    fast_parts: list[FastMatcher] = [part for part in parts if part is not None]
    combined = _fast_any(fast_parts)
    if not tests.negated:
        return combined

    def negated(value: Any) -> Any:
        verdict = combined(value)
        if verdict is SLOW or verdict is None:
            return verdict
        return not verdict

    return negated


def _literal_strings(tests: list[ast.Node]) -> frozenset[str] | None:
    """The strings of a test list like `"a", "b", "c"`, or None."""
    if len(tests) < 2:
        return None
    if not all(isinstance(test, ast.Literal) and type(test.value) is str for test in tests):
        return None
    return frozenset(test.value for test in tests if isinstance(test, ast.Literal))


def _fast_string_set(strings: frozenset[str], negated: bool) -> FastMatcher:
    if negated:
        return lambda value: value not in strings if type(value) is str else SLOW
    return lambda value: value in strings if type(value) is str else SLOW


def _fast_any(parts: list[FastMatcher]) -> FastMatcher:
    if len(parts) == 1:
        return parts[0]

    def any_part(value: Any) -> Any:
        outcome: Any = False
        for part in parts:
            verdict = part(value)
            if verdict is True:
                return True
            if verdict is SLOW:
                return SLOW
            if verdict is None:
                outcome = None
        return outcome

    return any_part


def _fast_test(test: ast.Node) -> FastMatcher | None:
    if isinstance(test, ast.Literal):
        return _fast_equal(test.value)
    if isinstance(test, ast.UnaryComparison) and isinstance(test.endpoint, ast.Literal):
        bound = test.endpoint.value
        if type(bound) is Decimal and test.operator in _ACCEPT:
            return _fast_number_order(test.operator, bound)
        if test.operator == "=":
            return _fast_equal(bound)
        return None
    if isinstance(test, ast.Interval) and test.operator != "!=":
        return _fast_interval(test)
    return None


def _fast_equal(expected: Any) -> FastMatcher | None:
    kind = type(expected)
    if kind is str:
        return lambda value: value == expected if type(value) is str else SLOW
    if kind is Decimal:
        return lambda value: value == expected if type(value) in _NUMBER_KINDS else SLOW
    if kind is bool:
        return lambda value: value is expected if type(value) is bool else SLOW
    if expected is None:
        return lambda value: value is None
    return None


def _fast_number_order(operator: str, bound: Decimal) -> FastMatcher:
    if operator == "<":
        return lambda value: value < bound if type(value) in _NUMBER_KINDS else SLOW
    if operator == "<=":
        return lambda value: value <= bound if type(value) in _NUMBER_KINDS else SLOW
    if operator == ">":
        return lambda value: value > bound if type(value) in _NUMBER_KINDS else SLOW
    return lambda value: value >= bound if type(value) in _NUMBER_KINDS else SLOW


def _fast_interval(test: ast.Interval) -> FastMatcher | None:
    bounds: list[Decimal | None] = []
    for node in (test.start, test.end):
        if node is None:
            bounds.append(None)
        elif isinstance(node, ast.Literal) and type(node.value) is Decimal:
            bounds.append(node.value)
        else:
            return None
    low, high = bounds
    if low is None or high is None:
        return None
    return _NUMBER_INTERVALS[(test.start_included, test.end_included)](low, high)


def _closed(low: Decimal, high: Decimal) -> FastMatcher:
    return lambda value: low <= value <= high if type(value) in _NUMBER_KINDS else SLOW


def _open_end(low: Decimal, high: Decimal) -> FastMatcher:
    return lambda value: low <= value < high if type(value) in _NUMBER_KINDS else SLOW


def _open_start(low: Decimal, high: Decimal) -> FastMatcher:
    return lambda value: low < value <= high if type(value) in _NUMBER_KINDS else SLOW


def _open(low: Decimal, high: Decimal) -> FastMatcher:
    return lambda value: low < value < high if type(value) in _NUMBER_KINDS else SLOW


_NUMBER_INTERVALS: dict[tuple[bool, bool], Callable[[Decimal, Decimal], FastMatcher]] = {
    (True, True): _closed,
    (True, False): _open_end,
    (False, True): _open_start,
    (False, False): _open,
}
