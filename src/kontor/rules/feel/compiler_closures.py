"""Closures shared by the compiler: frame slot readers and operator evaluators."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from kontor.rules.feel.errors import FeelDataError
from kontor.rules.feel.numbers import NUMBER_CONTEXT
from kontor.rules.feel.operators import add, compare, divide, multiply, power, subtract
from kontor.rules.feel.runtime import Evaluator, Frame
from kontor.rules.feel.values import type_name

ARITHMETIC_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": add,
    "-": subtract,
    "*": multiply,
    "/": divide,
    "**": power,
}


def slot_reader(depth: int, slot: int) -> Evaluator:
    """Read slot `slot` of the frame `depth` levels up."""
    if depth == 0:
        return lambda frame: frame.values[slot]
    if depth == 1:
        return lambda frame: frame.parent.values[slot]  # type: ignore[union-attr]
    if depth == 2:
        return lambda frame: frame.parent.parent.values[slot]  # type: ignore[union-attr]

    def read_deep(frame: Frame) -> Any:
        current: Any = frame
        for _ in range(depth):
            current = current.parent
        return current.values[slot]

    return read_deep


def with_item_entries(name: str, filter_depths: list[int], fallback: Evaluator) -> Evaluator:
    """Inside a filter, the entries of a context item shadow outer names."""

    def read_with_items(frame: Frame) -> Any:
        for depth in filter_depths:
            current: Any = frame
            for _ in range(depth):
                current = current.parent
            item = current.values[0]
            if type(item) is dict and name in item:
                return item[name]
        return fallback(frame)

    return read_with_items


def negate_verdict(value: bool | None) -> bool | None:
    """Three-valued not."""
    return None if value is None else not value


_DECIMAL_OPERATIONS: dict[str, Callable[[Decimal, Decimal], Decimal]] = {
    "+": NUMBER_CONTEXT.add,
    "-": NUMBER_CONTEXT.subtract,
    "*": NUMBER_CONTEXT.multiply,
}


def arithmetic(operator: str, left: Evaluator, right: Evaluator) -> Evaluator:
    """+ - * / ** with a fast path for two decimals; problems give null and a warning."""
    operation = ARITHMETIC_OPERATORS[operator]
    on_decimals: Callable[[Any, Any], Any] = _DECIMAL_OPERATIONS.get(operator, operation)

    def run_arithmetic(frame: Frame) -> Any:
        first = left(frame)
        second = right(frame)
        try:
            if type(first) is Decimal and type(second) is Decimal:
                return on_decimals(first, second)
            result = operation(first, second)
        except FeelDataError as error:
            frame.ctx.warn(error.code, error.message)
            return None
        except ArithmeticError as error:
            frame.ctx.warn("arithmetic-error", f"arithmetic failed: {error!r}")
            return None
        if type(result) is str:
            # Repeated concatenation (in a loop or a recursion) doubles strings quickly.
            frame.ctx.budget.check_string(len(result))
        return result

    return run_arithmetic


def comparison(operator: str, left: Evaluator, right: Evaluator) -> Evaluator:
    """< <= > >= ; incomparable values give null and a warning."""
    accept = _ORDER_CHECKS[operator]

    def run_comparison(frame: Frame) -> bool | None:
        first = left(frame)
        second = right(frame)
        if type(first) is Decimal and type(second) is Decimal:
            return accept((first > second) - (first < second))
        order = compare(first, second)
        if order is None:
            frame.ctx.warn(
                "not-comparable",
                f"cannot compare {type_name(first)} {operator} {type_name(second)}",
            )
            return None
        return accept(order)

    return run_comparison


_ORDER_CHECKS: dict[str, Callable[[int], bool]] = {
    "<": lambda order: order < 0,
    "<=": lambda order: order <= 0,
    ">": lambda order: order > 0,
    ">=": lambda order: order >= 0,
}
