"""Compilation of function invocations and function definitions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kontor.rules.feel import syntax as ast
from kontor.rules.feel.java_methods import external_function
from kontor.rules.feel.runtime import Evaluator, Frame, invoke
from kontor.rules.feel.typesystem import FeelType
from kontor.rules.feel.values import FeelFunction

if TYPE_CHECKING:
    from kontor.rules.feel.compiler import Compiler, CompileScope


def _is_local(name: str, scope: CompileScope | None) -> bool:
    while scope is not None:
        if name in scope.slots or scope.is_filter:
            return True
        scope = scope.parent
    return False


def compile_call(compiler: Compiler, node: ast.Call, scope: CompileScope | None) -> Evaluator:
    """`f(args)`: built-ins that nothing shadows are bound at compile time."""
    arguments = [compiler.compile(argument, scope) for argument in node.arguments]
    names = node.names
    callee_node = node.callee
    fixed: FeelFunction | None = None
    if (
        isinstance(callee_node, ast.Name)
        and callee_node.name not in compiler.global_names
        and not _is_local(callee_node.name, scope)
    ):
        fixed = compiler.builtins.get(callee_node.name)
    if fixed is not None:
        function = fixed
        if len(arguments) == 1:
            only = arguments[0]
            return lambda frame: invoke(function, [only(frame)], names, frame.ctx)
        return lambda frame: invoke(
            function, [argument(frame) for argument in arguments], names, frame.ctx
        )
    callee = compiler.compile(callee_node, scope)
    return lambda frame: invoke(
        callee(frame), [argument(frame) for argument in arguments], names, frame.ctx
    )


def compile_function_definition(
    compiler: Compiler, node: ast.FunctionDefinition, scope: CompileScope | None
) -> Evaluator:
    """`function(a, b) body` evaluates to a closure over the defining frame."""
    from kontor.rules.feel.compiler import CompileScope

    parameters = list(node.parameters)
    if node.external:
        # The body names the Java method; it sees the enclosing scope, not the parameters.
        definition = compiler.compile(node.body, scope)
        return lambda frame: external_function(parameters, definition(frame))
    inner = CompileScope(scope)
    for parameter in parameters:
        inner.add(parameter)
    compiler.function_depth += 1
    try:
        body = compiler.compile(node.body, inner)
    finally:
        compiler.function_depth -= 1

    types = [
        None if feel_type is None else feel_type.resolve(compiler.types)
        for feel_type in node.parameter_types
    ]
    if not any(feel_type is not None for feel_type in types):

        def make_function(frame: Frame) -> FeelFunction:
            def call_body(*arguments: Any) -> Any:
                return body(Frame(list(arguments), frame, frame.ctx))

            return FeelFunction(parameters, call_body)

        return make_function

    def make_typed_function(frame: Frame) -> FeelFunction:
        def call_typed_body(*arguments: Any) -> Any:
            values = [
                _coerce(argument, feel_type, frame)
                for argument, feel_type in zip(arguments, types, strict=False)
            ]
            return body(Frame(values, frame, frame.ctx))

        return FeelFunction(parameters, call_typed_body)

    return make_typed_function


def _coerce(argument: Any, feel_type: FeelType | None, frame: Frame) -> Any:
    """DMN conversions for a typed parameter: singleton lists, else null if not conforming."""
    if feel_type is None or argument is None or feel_type.is_instance(argument):
        return argument
    if feel_type.name == "list" and feel_type.is_instance([argument]):
        return [argument]
    if type(argument) is list and len(argument) == 1 and feel_type.is_instance(argument[0]):
        return argument[0]
    frame.ctx.warn("type-mismatch", f"argument does not conform to {feel_type}; using null")
    return None
