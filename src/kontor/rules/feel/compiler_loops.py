"""Compilation of `for` and `some`/`every` iterations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kontor.rules.feel import syntax as ast
from kontor.rules.feel.numbers import to_integer
from kontor.rules.feel.operators import compare
from kontor.rules.feel.runtime import EvalContext, Evaluator, Frame
from kontor.rules.feel.values import Range

if TYPE_CHECKING:
    from kontor.rules.feel.compiler import Compiler, CompileScope

_Source = tuple[Evaluator, Evaluator | None]


def _sequence(start: Any, end: Any, ctx: EvalContext) -> list[Any] | None:
    """The values of `start..end` for integers or dates, ascending or descending.

    The size is checked against the budget before the list is built.
    """
    if type(start) is date and type(end) is date:
        step = 1 if end >= start else -1
        count = abs((end - start).days)
        ctx.budget.check_list(count + 1)
        return [start + timedelta(days=step * offset) for offset in range(count + 1)]
    first, last = to_integer(start), to_integer(end)
    if first is None or last is None:
        ctx.warn("invalid-iteration", "iteration bounds must be whole numbers or dates")
        return None
    ctx.budget.check_list(abs(last - first) + 1)
    step = 1 if last >= first else -1
    return [Decimal(number) for number in range(first, last + step, step)]


def _items(source: Evaluator, end: Evaluator | None, frame: Frame) -> list[Any] | None:
    """The items one iteration walks through, paid for in the budget before the walk."""
    items = _source_items(source, end, frame)
    if items is not None:
        frame.ctx.budget.spend(len(items))
    return items


def _source_items(source: Evaluator, end: Evaluator | None, frame: Frame) -> list[Any] | None:
    value = source(frame)
    if end is not None:
        return _sequence(value, end(frame), frame.ctx)
    if type(value) is list:
        return value
    if type(value) is Range:
        if value.start is None or value.end is None or value.operator == "!=":
            frame.ctx.warn("invalid-iteration", "cannot iterate over an open range")
            return None
        if compare(value.start, value.end) == 1:
            frame.ctx.warn("invalid-iteration", "range start lies after its end")
            return None
        items = _sequence(value.start, value.end, frame.ctx)
        if items and not value.start_included:
            items = items[1:]
        if items and not value.end_included:
            items = items[:-1]
        return items
    if value is None:
        return None
    return [value]


def _compile_sources(
    compiler: Compiler, iterations: list[ast.Iteration], inner: CompileScope
) -> list[_Source]:
    sources: list[_Source] = []
    for iteration in iterations:
        source = compiler.compile(iteration.source, inner)
        end = compiler.compile(iteration.end, inner) if iteration.end is not None else None
        sources.append((source, end))
        inner.add(iteration.name)
    return sources


def _combinations(sources: list[_Source], frame: Frame, level: int = 0) -> Iterator[None] | None:
    """Fill the iteration slots of `frame` with every combination (nested loops)."""
    source, end = sources[level]
    items = _items(source, end, frame)
    if items is None:
        return None
    return _walk(sources, frame, level, items)


def _walk(sources: list[_Source], frame: Frame, level: int, items: list[Any]) -> Iterator[None]:
    values = frame.values
    last = level == len(sources) - 1
    for item in items:
        values[level] = item
        if last:
            yield None
        else:
            nested = _combinations(sources, frame, level + 1)
            if nested is not None:
                yield from nested


def compile_for(compiler: Compiler, node: ast.For, scope: CompileScope | None) -> Evaluator:
    """`for x in xs, y in ys return body` -> list; `partial` holds the results so far."""
    from kontor.rules.feel.compiler import CompileScope

    inner = CompileScope(scope)
    sources = _compile_sources(compiler, node.iterations, inner)
    partial_slot = inner.add("partial")
    size = inner.size
    body = compiler.compile(node.body, inner)
    copy_frames = _defines_functions(node.body)

    def run_for(frame: Frame) -> list[Any] | None:
        local = Frame([None] * size, frame, frame.ctx)
        results: list[Any] = []
        local.values[partial_slot] = results
        combinations = _combinations(sources, local)
        if combinations is None:
            return None
        for _ in combinations:
            # Closures created in the body must keep this iteration's values.
            target = Frame(list(local.values), frame, frame.ctx) if copy_frames else local
            results.append(body(target))
        frame.ctx.budget.check_list(len(results))
        return results

    return run_for


def compile_quantified(
    compiler: Compiler, node: ast.Quantified, scope: CompileScope | None
) -> Evaluator:
    """`some`/`every` ... `satisfies` condition."""
    from kontor.rules.feel.compiler import CompileScope

    inner = CompileScope(scope)
    sources = _compile_sources(compiler, node.iterations, inner)
    size = inner.size
    condition = compiler.compile(node.condition, inner)
    wanted = node.quantifier == "some"

    def decide(frame: Frame) -> bool | None:
        local = Frame([None] * size, frame, frame.ctx)
        combinations = _combinations(sources, local)
        if combinations is None:
            return None
        for _ in combinations:
            if (condition(local) is True) is wanted:
                return wanted
        return not wanted

    return decide


def _defines_functions(node: ast.Node) -> bool:
    if isinstance(node, ast.FunctionDefinition):
        return True
    for name in getattr(node, "__slots__", ()):
        child = getattr(node, name, None)
        if isinstance(child, ast.Node) and _defines_functions(child):
            return True
        if isinstance(child, list) and any(
            (isinstance(entry, ast.Node) and _defines_functions(entry))
            or (isinstance(entry, tuple) and _defines_functions(entry[1]))
            or (isinstance(entry, ast.Iteration) and _defines_functions(entry.source))
            for entry in child
        ):
            return True
    return False
