"""Evaluating parsed JUEL against process variables (JSON in, JSON out)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from kontor.process.juel.ast import (
    Access,
    Binary,
    Conditional,
    Identifier,
    Literal,
    MethodCall,
    Node,
    Unary,
)
from kontor.process.juel.coerce import (
    describe,
    is_empty,
    is_number,
    normalise,
    to_boolean,
    to_number,
    to_text,
)
from kontor.process.juel.errors import JuelEvaluationError
from kontor.process.juel.methods import EXECUTION_METHODS, call_method
from kontor.process.juel.template import JuelTemplate
from kontor.rules.feel.numbers import NUMBER_CONTEXT

EXECUTION = "execution"
"""The name under which Camunda 7 models reach the running instance."""

_instance_id: ContextVar[str | None] = ContextVar("juel_instance_id", default=None)


@contextmanager
def execution_instance(instance_id: str) -> Iterator[None]:
    """Let ``execution.getProcessInstanceId()`` answer ``instance_id`` within the block."""
    reset = _instance_id.set(instance_id)
    try:
        yield
    finally:
        _instance_id.reset(reset)


class _Execution:
    """The ``execution`` object: read access to variables and the instance id only."""

    def __init__(self, variables: Mapping[str, Any]) -> None:
        self.variables = variables

    def call(self, name: str, arguments: list[Any]) -> Any:
        if name in ("getVariable", "getVariableLocal", "hasVariable", "hasVariableLocal"):
            if len(arguments) != 1:
                raise JuelEvaluationError(f"execution.{name}() takes one variable name")
            variable = to_text(arguments[0])
            if name.startswith("has"):
                return variable in self.variables
            return self.variables.get(variable)
        if name == "getVariables" and not arguments:
            return dict(self.variables)
        if name == "getProcessInstanceId" and not arguments:
            return _instance_id.get()
        raise JuelEvaluationError(f"execution.{name}() is not supported")


def evaluate_template(template: JuelTemplate, variables: Mapping[str, Any]) -> Any:
    """The template's value: a single ``${...}`` keeps its type, mixed text becomes text."""
    scope = {name: normalise(value) for name, value in variables.items()}
    single = template.single
    if single is not None:
        return _evaluate(single, scope)
    return "".join(
        part if isinstance(part, str) else to_text(_evaluate(part, scope))
        for part in template.parts
    )


def _evaluate(node: Node, scope: Mapping[str, Any]) -> Any:
    if isinstance(node, Literal):
        return normalise(node.value)
    if isinstance(node, Identifier):
        if node.name == EXECUTION:
            return _Execution(scope)
        if node.name not in scope:
            raise JuelEvaluationError(f"unknown variable '{node.name}'")
        return scope[node.name]
    if isinstance(node, Access):
        return _access(_evaluate(node.base, scope), _evaluate(node.key, scope))
    if isinstance(node, MethodCall):
        base = _evaluate(node.base, scope)
        arguments = [_evaluate(argument, scope) for argument in node.arguments]
        if isinstance(base, _Execution):
            return normalise(base.call(node.name, arguments))
        if node.name in EXECUTION_METHODS:
            raise JuelEvaluationError(f"{describe(base)} has no method '{node.name}()'")
        return call_method(base, node.name, arguments)
    if isinstance(node, Unary):
        return _unary(node.operator, _evaluate(node.operand, scope))
    if isinstance(node, Conditional):
        branch = node.then if to_boolean(_evaluate(node.condition, scope)) else node.otherwise
        return _evaluate(branch, scope)
    return _binary(node, scope)


def _access(base: Any, key: Any) -> Any:
    if base is None:
        return None
    if isinstance(base, _Execution):
        raise JuelEvaluationError(f"execution has no property '{to_text(key)}'")
    if isinstance(base, Mapping):
        return base.get(to_text(key))
    if isinstance(base, list):
        position = to_number(key)
        index = int(position)
        return base[index] if 0 <= index < len(base) and index == position else None
    raise JuelEvaluationError(f"cannot read property '{to_text(key)}' of {describe(base)}")


def _unary(operator: str, value: Any) -> Any:
    if operator == "empty":
        return is_empty(value)
    if operator == "!":
        return not to_boolean(value)
    return _arithmetic("-", Decimal(0), value)


def _binary(node: Node, scope: Mapping[str, Any]) -> Any:
    assert isinstance(node, Binary)
    operator = node.operator
    if operator == "&&":
        return to_boolean(_evaluate(node.left, scope)) and to_boolean(_evaluate(node.right, scope))
    if operator == "||":
        return to_boolean(_evaluate(node.left, scope)) or to_boolean(_evaluate(node.right, scope))
    left, right = _evaluate(node.left, scope), _evaluate(node.right, scope)
    if operator == "==":
        return _equal(left, right)
    if operator == "!=":
        return not _equal(left, right)
    if operator in ("<", ">", "<=", ">="):
        return _compare(operator, left, right)
    return _arithmetic(operator, left, right)


def _arithmetic(operator: str, left: Any, right: Any) -> Decimal:
    a, b = to_number(left), to_number(right)
    try:
        if operator == "+":
            return NUMBER_CONTEXT.add(a, b)
        if operator == "-":
            return NUMBER_CONTEXT.subtract(a, b)
        if operator == "*":
            return NUMBER_CONTEXT.multiply(a, b)
        if b == 0:
            raise JuelEvaluationError(f"division of {a} by zero")
        if operator == "/":
            return NUMBER_CONTEXT.divide(a, b)
        return NUMBER_CONTEXT.remainder(a, b)  # the sign of the dividend, as in Java
    except ArithmeticError as error:
        raise JuelEvaluationError(f"{a} {operator} {b}: {error}") from error


def _equal(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is right
    if is_number(left) or is_number(right):
        if isinstance(left, bool) or isinstance(right, bool):
            return False
        return to_number(left) == to_number(right)
    if isinstance(left, bool) or isinstance(right, bool):
        return to_boolean(left) == to_boolean(right)
    if isinstance(left, str) or isinstance(right, str):
        return to_text(left) == to_text(right)
    return bool(left == right)


def _compare(operator: str, left: Any, right: Any) -> bool:
    if left is None or right is None:
        return False
    a: Any
    b: Any
    if is_number(left) or is_number(right):
        a, b = to_number(left), to_number(right)
    elif isinstance(left, str) and isinstance(right, str):
        a, b = left, right
    else:
        raise JuelEvaluationError(f"cannot compare {describe(left)} with {describe(right)}")
    if operator == "<":
        return bool(a < b)
    if operator == ">":
        return bool(a > b)
    if operator == "<=":
        return bool(a <= b)
    return bool(a >= b)
