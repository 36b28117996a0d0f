"""Evaluation of boxed expressions (literal, table, context, relation, list, invocation, ...)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kontor.rules.dmn import feel_bridge
from kontor.rules.dmn.model import (
    Conditional,
    Context,
    DecisionTable,
    Expression,
    Filter,
    FunctionDefinition,
    Invocation,
    Iterator,
    ListExpression,
    LiteralExpression,
    Relation,
)
from kontor.rules.dmn.typerefs import coerce

if TYPE_CHECKING:
    from kontor.rules.dmn.evaluator import Evaluation
    from kontor.rules.dmn.model import Definitions


def evaluate_expression(
    expression: Expression | None, scope: Mapping[str, Any], run: Evaluation, model: Definitions
) -> Any:
    """Evaluate a boxed expression in `scope`; data problems give null plus a message."""
    if expression is None:
        return None
    value = _evaluate(expression, scope, run, model)
    if expression.type_ref and not isinstance(expression, FunctionDefinition):
        # the expression's own typeRef converts its result (singleton lists, null on mismatch)
        value = run.coerce(model, expression.type_ref, value, f"expression {expression.id or ''}")
    return value


def _evaluate(
    expression: Expression, scope: Mapping[str, Any], run: Evaluation, model: Definitions
) -> Any:
    if isinstance(expression, LiteralExpression):
        if expression.compiled is None:
            return None
        return expression.compiled.evaluate(scope, run.warnings)
    if isinstance(expression, DecisionTable):
        return expression.program.evaluate(scope, run.warnings, run.messages, run.traces)
    if isinstance(expression, Context):
        return _context(expression, scope, run, model)
    if isinstance(expression, Relation):
        return [
            {
                column: evaluate_expression(cell, scope, run, model)
                for column, cell in zip(expression.columns, row, strict=True)
            }
            for row in expression.rows
        ]
    if isinstance(expression, ListExpression):
        return [evaluate_expression(item, scope, run, model) for item in expression.items]
    if isinstance(expression, Invocation):
        return _invocation(expression, scope, run, model)
    if isinstance(expression, FunctionDefinition):
        return make_closure(expression, scope, run, model, expression.id or "function")
    if isinstance(expression, Conditional):
        condition = evaluate_expression(expression.condition, scope, run, model)
        if not _is_boolean(condition, run, "if", expression.id):
            return None
        branch = expression.then if condition is True else expression.otherwise
        return evaluate_expression(branch, scope, run, model)
    if isinstance(expression, Iterator):
        return _iterator(expression, scope, run, model)
    return _filter(expression, scope, run, model)


def _context(
    expression: Context, scope: Mapping[str, Any], run: Evaluation, model: Definitions
) -> Any:
    local = dict(scope)
    result: dict[str, Any] = {}
    for entry in expression.entries:
        value = evaluate_expression(entry.expression, local, run, model)
        if entry.type_ref:
            value = run.coerce(model, entry.type_ref, value, f"context entry '{entry.name}'")
        if entry.name is None:
            return value
        result[entry.name] = value
        local[entry.name] = value
    return result


def _invocation(
    expression: Invocation, scope: Mapping[str, Any], run: Evaluation, model: Definitions
) -> Any:
    function = evaluate_expression(expression.callee, scope, run, model)
    if function is None:
        run.error(f"invoked function {_callee_text(expression)} is not defined", expression.id)
        return None
    arguments = [
        (binding.parameter, evaluate_expression(binding.expression, scope, run, model))
        for binding in expression.bindings
    ]
    return call_function(function, arguments, run)


def _callee_text(expression: Invocation) -> str:
    callee = expression.callee
    return repr(callee.text.strip()) if isinstance(callee, LiteralExpression) else "(expression)"


_CALL_CACHE: dict[tuple[str, ...], Any] = {}


def call_function(function: Any, arguments: Sequence[tuple[str, Any]], run: Evaluation) -> Any:
    """Call a FEEL function value with named arguments."""
    parameters = getattr(function, "parameters", None)
    impl = getattr(function, "impl", None)
    if parameters is not None and impl is not None:
        named = dict(arguments)
        unknown = [name for name in named if name not in parameters]
        if unknown:
            run.error(f"function has no parameter(s) {', '.join(unknown)}", None)
            return None
        return impl(*[named.get(name) for name in parameters])
    # built-in or foreign function: let FEEL bind the named arguments
    names = tuple(name for name, _ in arguments)
    compiled = _CALL_CACHE.get(names)
    if compiled is None:
        placeholders = ", ".join(
            f"{name}: dmn_argument_{index}" for index, name in enumerate(names)
        )
        compiled = feel_bridge.compile_expression(
            f"dmn_function({placeholders})",
            ["dmn_function", *(f"dmn_argument_{index}" for index in range(len(names)))],
        )
        _CALL_CACHE[names] = compiled
    call_scope = {"dmn_function": function}
    for index, (_, value) in enumerate(arguments):
        call_scope[f"dmn_argument_{index}"] = value
    return compiled.evaluate(call_scope, run.warnings)


def make_closure(
    definition: FunctionDefinition,
    scope: Mapping[str, Any],
    run: Evaluation,
    model: Definitions,
    label: str,
    result_type: str | None = None,
    *,
    copy_scope: bool = True,
    strict_arity: bool = False,
) -> Any:
    """Turn a function definition into a FEEL function closing over `scope`."""
    captured = dict(scope) if copy_scope else scope
    parameter_names = [parameter.name for parameter in definition.parameters]

    def impl(*arguments: Any) -> Any:
        if definition.kind not in ("FEEL", "JAVA"):
            run.error(
                f"function kind {definition.kind} is not supported (only FEEL and JAVA)", label
            )
            return None
        local = dict(captured)
        for parameter, argument in zip(definition.parameters, arguments, strict=False):
            value = argument
            if parameter.type_ref:
                value, problem = run.try_coerce(model, parameter.type_ref, argument)
                if problem:
                    run.error(f"parameter '{parameter.name}' of {label}: {problem}", label)
                    return None
            local[parameter.name] = value
        if definition.kind == "JAVA":
            values = [local.get(parameter.name) for parameter in definition.parameters]
            result = _call_java(definition, captured, values, run, model, label)
        else:
            result = evaluate_expression(definition.body, local, run, model)
        target_type = result_type or definition.type_ref
        if target_type:
            result = run.coerce_result(model, target_type, result, label)
        return result

    return feel_bridge.make_function(parameter_names, impl, label, strict_arity=strict_arity)


def _call_java(
    definition: FunctionDefinition,
    scope: Mapping[str, Any],
    arguments: list[Any],
    run: Evaluation,
    model: Definitions,
    label: str,
) -> Any:
    """A boxed function of kind Java: its context names one of FEEL's listed java.lang methods."""
    body = evaluate_expression(definition.body, scope, run, model)
    if not isinstance(body, dict):
        run.error("a Java function needs a context with 'class' and 'method signature'", label)
        return None
    problems: list[Any] = []
    result = feel_bridge.call_java(
        body.get("class"), body.get("method signature"), arguments, problems
    )
    for problem in problems:
        run.error(problem.message, label)
    return result


def _iterator(
    expression: Iterator, scope: Mapping[str, Any], run: Evaluation, model: Definitions
) -> Any:
    source = evaluate_expression(expression.source, scope, run, model)
    if source is None:
        return None
    items = source if isinstance(source, list) else [source]
    results = []
    for item in items:
        local = dict(scope)
        local[expression.variable] = item
        results.append(evaluate_expression(expression.body, local, run, model))
    if expression.kind == "for":
        return results
    if not all(_is_boolean(result, run, expression.kind, expression.id) for result in results):
        return None
    if expression.kind == "some":
        return any(result is True for result in results)
    return all(result is True for result in results)


def _is_boolean(value: Any, run: Evaluation, role: str, element: str | None) -> bool:
    """Conditions of boxed if/some/every/filter must be boolean (or null)."""
    if value is None or isinstance(value, bool):
        return True
    run.error(f"{role} condition gave a non-boolean value", element)
    return False


def _filter(
    expression: Filter, scope: Mapping[str, Any], run: Evaluation, model: Definitions
) -> Any:
    source = evaluate_expression(expression.source, scope, run, model)
    if source is None:
        return None
    items = source if isinstance(source, list) else [source]
    kept = []
    for item in items:
        local = dict(scope)
        if isinstance(item, dict):
            local.update(item)
        local["item"] = item
        matched = evaluate_expression(expression.match, local, run, model)
        if not _is_boolean(matched, run, "filter", expression.id):
            return None
        if matched is True:
            kept.append(item)
    return kept


def coerce_or_null(model: Definitions, type_ref: str, value: Any) -> tuple[Any, str | None]:
    """Coerce `value` to the typeRef as resolved in `model`."""
    return coerce(resolve_type(model, type_ref), value)


def resolve_type(model: Definitions, type_ref: str) -> Any:
    """Resolve a typeRef in the context of `model` (item definitions first)."""
    return model.registry.resolve(type_ref)
