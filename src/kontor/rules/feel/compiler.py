"""Compiles FEEL syntax trees into nested Python closures over evaluation frames."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from kontor.rules.feel import syntax as ast
from kontor.rules.feel.compiler_closures import (
    ARITHMETIC_OPERATORS,
    arithmetic,
    comparison,
    negate_verdict,
    slot_reader,
    with_item_entries,
)
from kontor.rules.feel.convert import NEEDS_CONVERSION, to_feel
from kontor.rules.feel.errors import FeelDataError
from kontor.rules.feel.operators import (
    compare,
    negate,
    values_equal,
)
from kontor.rules.feel.runtime import MISSING, Evaluator, Frame, member_of, pick_index
from kontor.rules.feel.typesystem import TypeLike
from kontor.rules.feel.values import Range, type_name


class CompileScope:
    """Names declared by one runtime frame; filter scopes also expose the item's entries."""

    def __init__(self, parent: CompileScope | None, is_filter: bool = False) -> None:
        self.parent = parent
        self.is_filter = is_filter
        self.slots: dict[str, int] = {}
        self.size = 0

    def add(self, name: str) -> int:
        """Declare `name` in the next slot."""
        self.slots[name] = self.size
        self.size += 1
        return self.size - 1


class Compiler:
    """Turns syntax nodes into evaluators `(Frame) -> value`."""

    def __init__(
        self, global_names: Iterable[str], types: Mapping[str, TypeLike] | None = None
    ) -> None:
        from kontor.rules.feel.builtins import BUILTINS

        self.global_names = set(global_names)
        self.types: Mapping[str, TypeLike] = types or {}
        self.builtins = BUILTINS
        self.function_depth = 0
        self.uses_input = False

    def compile(self, node: ast.Node, scope: CompileScope | None) -> Evaluator:
        """Compile any node."""
        method: Callable[[Compiler, Any, CompileScope | None], Evaluator] = _DISPATCH[type(node)]
        return method(self, node, scope)

    # -- leaves --------------------------------------------------------------------------
    def _compile_literal(self, node: ast.Literal, scope: CompileScope | None) -> Evaluator:
        value = node.value
        return lambda frame: value

    def _compile_input_value(self, node: ast.InputValue, scope: CompileScope | None) -> Evaluator:
        self.uses_input = True
        return lambda frame: frame.ctx.input

    def _compile_name(self, node: ast.Name, scope: CompileScope | None) -> Evaluator:
        return self.resolve(node.name, scope)

    def resolve(self, name: str, scope: CompileScope | None) -> Evaluator:
        """Find a name at compile time: a frame slot, an outer-scope value or a built-in."""
        depth = 0
        filter_depths: list[int] = []
        found: Evaluator | None = None
        while scope is not None:
            if scope.is_filter:
                # Entries of a context item shadow outer names, even `item` itself.
                filter_depths.append(depth)
            if name in scope.slots:
                found = slot_reader(depth, scope.slots[name])
                break
            scope = scope.parent
            depth += 1
        if found is None:
            found = self._global_reader(name)
        if filter_depths:
            return with_item_entries(name, filter_depths, found)
        return found

    def _global_reader(self, name: str) -> Evaluator:
        builtin = self.builtins.get(name)

        def read_global(frame: Frame) -> Any:
            value = frame.ctx.globals.get(name, MISSING)
            if value is MISSING:
                if builtin is not None:
                    return builtin
                frame.ctx.warn("unknown-name", f"no value for name {name!r}")
                return None
            if type(value) in NEEDS_CONVERSION:
                return to_feel(value)
            return value

        return read_global

    # -- operators -----------------------------------------------------------------------
    def _compile_binary(self, node: ast.Binary, scope: CompileScope | None) -> Evaluator:
        left = self.compile(node.left, scope)
        right = self.compile(node.right, scope)
        operator = node.operator
        if operator in ARITHMETIC_OPERATORS:
            return arithmetic(operator, left, right)
        if operator == "=":
            return lambda frame: values_equal(left(frame), right(frame))
        if operator == "!=":
            return lambda frame: negate_verdict(values_equal(left(frame), right(frame)))
        return comparison(operator, left, right)

    def _compile_negation(self, node: ast.Negation, scope: CompileScope | None) -> Evaluator:
        operand = self.compile(node.operand, scope)

        def run_negation(frame: Frame) -> Any:
            try:
                return negate(operand(frame))
            except FeelDataError as error:
                frame.ctx.warn(error.code, error.message)
            except ArithmeticError as error:  # a number beyond decimal128 from the scope
                frame.ctx.warn("arithmetic-error", f"negation failed: {error!r}")
            return None

        return run_negation

    def _compile_logical(self, node: ast.Logical, scope: CompileScope | None) -> Evaluator:
        left = self.compile(node.left, scope)
        right = self.compile(node.right, scope)
        if node.operator == "and":

            def run_and(frame: Frame) -> bool | None:
                first = left(frame)
                if first is False:
                    return False
                second = right(frame)
                if second is False:
                    return False
                return True if first is True and second is True else None

            return run_and

        def run_or(frame: Frame) -> bool | None:
            first = left(frame)
            if first is True:
                return True
            second = right(frame)
            if second is True:
                return True
            return False if first is False and second is False else None

        return run_or

    def _compile_between(self, node: ast.Between, scope: CompileScope | None) -> Evaluator:
        value_of = self.compile(node.value, scope)
        low_of = self.compile(node.low, scope)
        high_of = self.compile(node.high, scope)

        def run_between(frame: Frame) -> bool | None:
            value = value_of(frame)
            above = compare(value, low_of(frame))
            below = compare(value, high_of(frame))
            if (above is not None and above < 0) or (below is not None and below > 0):
                return False
            if above is None or below is None:
                frame.ctx.warn("not-comparable", f"cannot use between with {type_name(value)}")
                return None
            return True

        return run_between

    def _compile_in(self, node: ast.In, scope: CompileScope | None) -> Evaluator:
        from kontor.rules.feel.compiler_tests import compile_positive_tests

        value_of = self.compile(node.value, scope)
        outer_uses_input = self.uses_input
        self.uses_input = False
        matcher = compile_positive_tests(self, node.tests, scope)
        binds_input = self.uses_input
        self.uses_input = outer_uses_input
        if not binds_input:
            return lambda frame: matcher(frame, value_of(frame))

        def run_in_with_input(frame: Frame) -> bool | None:
            value = value_of(frame)
            ctx = frame.ctx
            saved, ctx.input = ctx.input, value
            try:
                return matcher(frame, value)
            finally:
                ctx.input = saved

        return run_in_with_input

    def _compile_unary_comparison(
        self, node: ast.UnaryComparison, scope: CompileScope | None
    ) -> Evaluator:
        from kontor.rules.feel.compiler_tests import compile_positive_tests

        self.uses_input = True
        matcher = compile_positive_tests(self, [node], scope)
        return lambda frame: matcher(frame, frame.ctx.input)

    def _compile_instance_of(self, node: ast.InstanceOf, scope: CompileScope | None) -> Evaluator:
        value_of = self.compile(node.value, scope)
        is_instance = node.type.resolve(self.types).is_instance
        return lambda frame: is_instance(value_of(frame))

    # -- structures ----------------------------------------------------------------------
    def _compile_interval(self, node: ast.Interval, scope: CompileScope | None) -> Evaluator:
        start_of = self.compile(node.start, scope) if node.start is not None else None
        end_of = self.compile(node.end, scope) if node.end is not None else None
        start_included, end_included = node.start_included, node.end_included
        operator = node.operator

        def run_interval(frame: Frame) -> Range | None:
            start = start_of(frame) if start_of is not None else None
            end = end_of(frame) if end_of is not None else None
            if (start is None and start_of is not None) or (end is None and end_of is not None):
                frame.ctx.warn("invalid-range", "a range bound is null")
                return None
            if start is not None and end is not None and compare(start, end) is None:
                frame.ctx.warn("invalid-range", "range bounds are not comparable")
                return None
            return Range(start, end, start_included, end_included, operator)

        return run_interval

    def _compile_list_node(self, node: ast.ListNode, scope: CompileScope | None) -> Evaluator:
        items = [self.compile(item, scope) for item in node.items]
        return lambda frame: [item(frame) for item in items]

    def _compile_context_node(self, node: ast.ContextNode, scope: CompileScope | None) -> Evaluator:
        inner = CompileScope(scope)
        entries: list[tuple[str, int, Evaluator]] = []
        for key, value_node in node.entries:
            if isinstance(value_node, ast.FunctionDefinition):
                # Functions may call themselves through their own entry.
                slot = inner.add(key)
                entries.append((key, slot, self.compile(value_node, inner)))
            else:
                value_of = self.compile(value_node, inner)
                entries.append((key, inner.add(key), value_of))
        size = inner.size
        keys = [key for key, _ in node.entries]
        if len(set(keys)) != len(keys):
            duplicate = next(key for key in keys if keys.count(key) > 1)

            def run_duplicate(frame: Frame) -> None:
                frame.ctx.warn("duplicate-key", f"context key {duplicate!r} is defined twice")

            return run_duplicate

        def run_context(frame: Frame) -> dict[str, Any]:
            local = Frame([None] * size, frame, frame.ctx)
            values = local.values
            result: dict[str, Any] = {}
            for key, slot, value_of in entries:
                value = value_of(local)
                values[slot] = value
                result[key] = value
            return result

        return run_context

    def _compile_if(self, node: ast.If, scope: CompileScope | None) -> Evaluator:
        condition = self.compile(node.condition, scope)
        then = self.compile(node.then, scope)
        otherwise = self.compile(node.otherwise, scope)
        return lambda frame: then(frame) if condition(frame) is True else otherwise(frame)

    def _compile_path(self, node: ast.Path, scope: CompileScope | None) -> Evaluator:
        base = self.compile(node.base, scope)
        member = node.member
        return lambda frame: member_of(base(frame), member, frame.ctx)

    def _compile_filter(self, node: ast.Filter, scope: CompileScope | None) -> Evaluator:
        base = self.compile(node.base, scope)
        condition_node = node.condition
        if isinstance(condition_node, ast.Literal) and type(condition_node.value) is Decimal:
            position = condition_node.value

            def run_index(frame: Frame) -> Any:
                value = base(frame)
                if value is None:
                    return None
                return pick_index(value if type(value) is list else [value], position, frame.ctx)

            return run_index
        inner = CompileScope(scope, is_filter=True)
        inner.add("item")
        condition = self.compile(condition_node, inner)

        def run_filter(frame: Frame) -> Any:
            value = base(frame)
            if value is None:
                return None
            items = value if type(value) is list else [value]
            ctx = frame.ctx
            ctx.budget.spend(len(items))
            selected = []
            for index, item in enumerate(items):
                verdict = condition(Frame([item], frame, ctx))
                if verdict is True:
                    selected.append(item)
                elif index == 0 and type(verdict) is Decimal:
                    return pick_index(items, verdict, ctx)
            return selected

        return run_filter

    def _compile_call(self, node: ast.Call, scope: CompileScope | None) -> Evaluator:
        from kontor.rules.feel.compiler_functions import compile_call

        return compile_call(self, node, scope)

    def _compile_function_definition(
        self, node: ast.FunctionDefinition, scope: CompileScope | None
    ) -> Evaluator:
        from kontor.rules.feel.compiler_functions import compile_function_definition

        return compile_function_definition(self, node, scope)

    def _compile_for(self, node: ast.For, scope: CompileScope | None) -> Evaluator:
        from kontor.rules.feel.compiler_loops import compile_for

        return compile_for(self, node, scope)

    def _compile_quantified(self, node: ast.Quantified, scope: CompileScope | None) -> Evaluator:
        from kontor.rules.feel.compiler_loops import compile_quantified

        return compile_quantified(self, node, scope)

    def _compile_unary_tests(self, node: ast.UnaryTests, scope: CompileScope | None) -> Evaluator:
        raise TypeError("unary tests are compiled by compile_unary_tests")


_DISPATCH: dict[type, Callable[[Compiler, Any, CompileScope | None], Evaluator]] = {
    ast.Literal: Compiler._compile_literal,
    ast.InputValue: Compiler._compile_input_value,
    ast.Name: Compiler._compile_name,
    ast.FunctionDefinition: Compiler._compile_function_definition,
    ast.Binary: Compiler._compile_binary,
    ast.Negation: Compiler._compile_negation,
    ast.Logical: Compiler._compile_logical,
    ast.Between: Compiler._compile_between,
    ast.In: Compiler._compile_in,
    ast.UnaryComparison: Compiler._compile_unary_comparison,
    ast.InstanceOf: Compiler._compile_instance_of,
    ast.Interval: Compiler._compile_interval,
    ast.ListNode: Compiler._compile_list_node,
    ast.ContextNode: Compiler._compile_context_node,
    ast.If: Compiler._compile_if,
    ast.Path: Compiler._compile_path,
    ast.Filter: Compiler._compile_filter,
    ast.Call: Compiler._compile_call,
    ast.For: Compiler._compile_for,
    ast.Quantified: Compiler._compile_quantified,
    ast.UnaryTests: Compiler._compile_unary_tests,
}
