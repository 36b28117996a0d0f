"""Primary FEEL expressions: literals, brackets, contexts, if/for/quantifiers, functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kontor.rules.feel import syntax as ast
from kontor.rules.feel.typesystem import FeelType, read_type_at

if TYPE_CHECKING:
    from kontor.rules.feel.parser import Parser

_RANGE_OPERATORS = ("<", "<=", ">", ">=", "=", "!=")


def parse_primary(parser: Parser) -> ast.Node:
    """Literal, name, bracketed expression, context, list, range or a keyword construct."""
    token = parser.peek()
    kind = token.kind
    if kind == "NUMBER" or kind == "STRING":
        parser.advance()
        return ast.Literal(token.value, offset=token.start)
    if kind == "TEMPORAL":
        from kontor.rules.feel.parser import temporal_literal

        parser.advance()
        return temporal_literal(parser, token)
    if kind == "NAME":
        return _parse_word(parser)
    if kind == "OP":
        symbol = token.value
        saved_filter = parser.allow_filter
        parser.allow_filter = True
        try:
            if symbol == "(":
                return _parse_parenthesis(parser)
            if symbol == "[":
                return _parse_bracket(parser)
            if symbol == "]":
                parser.advance()
                return _parse_interval_rest(parser, parser.parse_expression(), False, token.start)
            if symbol == "{":
                return _parse_context(parser)
        finally:
            parser.allow_filter = saved_filter
    if kind == "EOF":
        raise parser.error("unexpected end of text")
    raise parser.error(f"unexpected '{token.value}'")


def _parse_word(parser: Parser) -> ast.Node:
    token = parser.advance()
    word = str(token.value)
    if word == "true":
        return ast.Literal(True, offset=token.start)
    if word == "false":
        return ast.Literal(False, offset=token.start)
    if word == "null":
        return ast.Literal(None, offset=token.start)
    if word == "?":
        return ast.InputValue(offset=token.start)
    if word == "if":
        condition = parser.parse_expression()
        parser.expect_word("then")
        then = parser.parse_expression()
        parser.expect_word("else")
        return ast.If(condition, then, parser.parse_expression(), offset=token.start)
    if word == "for":
        return _parse_for(parser, token.start)
    if word in ("some", "every") and _starts_iteration(parser):
        return _parse_quantified(parser, word, token.start)
    if word == "function" and parser.peek().is_op("("):
        return _parse_function(parser, token.start)
    if word in ("then", "else", "return", "satisfies", "and", "or", "in", "between"):
        raise parser.error(f"unexpected '{word}'", token)
    return ast.Name(word, offset=token.start)


def _starts_iteration(parser: Parser) -> bool:
    token = parser.peek()
    return token.kind == "NAME" and parser.peek_after(token).is_word("in")


def _parse_parenthesis(parser: Parser) -> ast.Node:
    opening = parser.advance()
    token = parser.peek()
    if token.kind == "OP" and token.value in _RANGE_OPERATORS:
        # (< 10) is a range value written as a unary comparison.
        parser.advance()
        endpoint = parser.parse_additive()
        parser.expect_op(")")
        return _comparison_range(str(token.value), endpoint, opening.start)
    inner = parser.parse_expression()
    if parser.peek().is_op(".."):
        return _parse_interval_rest(parser, inner, False, opening.start)
    parser.expect_op(")")
    return inner


def _comparison_range(operator: str, endpoint: ast.Node, offset: int) -> ast.Interval:
    if operator == "<":
        return ast.Interval(None, endpoint, False, False, offset=offset)
    if operator == "<=":
        return ast.Interval(None, endpoint, False, True, offset=offset)
    if operator == ">":
        return ast.Interval(endpoint, None, False, False, offset=offset)
    if operator == ">=":
        return ast.Interval(endpoint, None, True, False, offset=offset)
    return ast.Interval(endpoint, endpoint, True, True, operator, offset=offset)


def _parse_bracket(parser: Parser) -> ast.Node:
    opening = parser.advance()
    if parser.accept_op("]"):
        return ast.ListNode([], offset=opening.start)
    first = parser.parse_expression()
    if parser.peek().is_op(".."):
        return _parse_interval_rest(parser, first, True, opening.start)
    items = [first]
    while parser.accept_op(","):
        items.append(parser.parse_expression())
    parser.expect_op("]")
    return ast.ListNode(items, offset=opening.start)


def _parse_interval_rest(
    parser: Parser, start: ast.Node, start_included: bool, offset: int
) -> ast.Interval:
    parser.expect_op("..")
    # `[1..10[` closes with '[': the end point must not swallow it as a filter.
    parser.allow_filter = False
    end = parser.parse_expression()
    parser.allow_filter = True
    closing = parser.peek()
    if closing.is_op("]"):
        end_included = True
    elif closing.is_op(")") or closing.is_op("["):
        end_included = False
    else:
        raise parser.error("expected ']', ')' or '[' to close the range")
    parser.advance()
    return ast.Interval(start, end, start_included, end_included, offset=offset)


def _parse_context(parser: Parser) -> ast.Node:
    opening = parser.advance()
    entries: list[tuple[str, ast.Node]] = []
    declared: list[str] = []
    try:
        if not parser.accept_op("}"):
            while True:
                key_token = parser.scanner.scan_key(parser.pos) or parser.peek()
                if key_token.kind not in ("NAME", "STRING"):
                    raise parser.error("expected a context key")
                parser.pos = key_token.end
                key = str(key_token.value)
                parser.expect_op(":")
                parser.declare(key)
                declared.append(key)
                entries.append((key, parser.parse_expression()))
                if not parser.accept_op(","):
                    break
            parser.expect_op("}")
    finally:
        for key in declared:
            parser.undeclare(key)
    return ast.ContextNode(entries, offset=opening.start)


def _parse_iterations(parser: Parser, declared: list[str]) -> list[ast.Iteration]:
    iterations = []
    while True:
        name = str(parser.expect_name("an iteration variable").value)
        parser.expect_word("in")
        source = parser.parse_expression()
        end = parser.parse_expression() if parser.accept_op("..") else None
        parser.declare(name)
        declared.append(name)
        iterations.append(ast.Iteration(name, source, end))
        if not parser.accept_op(","):
            return iterations


def _parse_for(parser: Parser, offset: int) -> ast.Node:
    declared: list[str] = ["partial"]
    parser.declare("partial")
    try:
        iterations = _parse_iterations(parser, declared)
        parser.expect_word("return")
        body = parser.parse_expression()
    finally:
        for name in declared:
            parser.undeclare(name)
    return ast.For(iterations, body, offset=offset)


def _parse_quantified(parser: Parser, quantifier: str, offset: int) -> ast.Node:
    declared: list[str] = []
    try:
        iterations = _parse_iterations(parser, declared)
        parser.expect_word("satisfies")
        condition = parser.parse_expression()
    finally:
        for name in declared:
            parser.undeclare(name)
    return ast.Quantified(quantifier, iterations, condition, offset=offset)


def _parse_function(parser: Parser, offset: int) -> ast.Node:
    parser.expect_op("(")
    parameters: list[str] = []
    parameter_types: list[FeelType | None] = []
    if not parser.accept_op(")"):
        while True:
            parameters.append(str(parser.expect_name("a parameter name").value))
            colon = parser.peek()
            parameter_type = None
            if colon.is_op(":"):
                parameter_type, end = read_type_at(parser.text, colon.end)
                parser.pos = end
            parameter_types.append(parameter_type)
            if not parser.accept_op(","):
                break
        parser.expect_op(")")
    for parameter in parameters:
        parser.declare(parameter)
    try:
        external = parser.accept_word("external")
        body = parser.parse_expression()
    finally:
        for parameter in parameters:
            parser.undeclare(parameter)
    return ast.FunctionDefinition(parameters, body, external, parameter_types, offset=offset)


def parse_filter(parser: Parser, base: ast.Node) -> ast.Node:
    """`base[condition]`; `item` names the element inside the condition."""
    opening = parser.expect_op("[")
    saved_filter = parser.allow_filter
    parser.allow_filter = True
    parser.declare("item")
    try:
        condition = parser.parse_expression()
    finally:
        parser.undeclare("item")
        parser.allow_filter = saved_filter
    parser.expect_op("]")
    return ast.Filter(base, condition, offset=opening.start)


def parse_call_arguments(parser: Parser, callee: ast.Node) -> ast.Node:
    """`callee(a, b)` or `callee(name: a, other: b)`."""
    opening = parser.expect_op("(")
    saved_filter = parser.allow_filter
    parser.allow_filter = True
    arguments: list[ast.Node] = []
    names: list[str] | None = None
    try:
        if not parser.accept_op(")"):
            if parser.scanner.scan_key(parser.pos) is not None:
                names = []
            while True:
                if names is not None:
                    name_token = parser.scanner.scan_key(parser.pos)
                    if name_token is None:
                        raise parser.error("expected a parameter name followed by ':'")
                    parser.pos = name_token.end
                    parser.expect_op(":")
                    names.append(str(name_token.value))
                arguments.append(parser.parse_expression())
                if not parser.accept_op(","):
                    break
            parser.expect_op(")")
    finally:
        parser.allow_filter = saved_filter
    return ast.Call(callee, arguments, names, offset=opening.start)
