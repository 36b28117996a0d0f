"""A precedence-climbing parser for the JUEL subset (EL 2.2 operator precedence)."""

from __future__ import annotations

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
from kontor.process.juel.errors import JuelSyntaxError
from kontor.process.juel.lexer import Token, tokenize
from kontor.process.juel.methods import SUPPORTED_METHODS

_ALIASES = {
    "and": "&&", "or": "||", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=",
    "ge": ">=", "div": "/", "mod": "%", "not": "!",
}  # fmt: skip
_LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"||"}),
    frozenset({"&&"}),
    frozenset({"==", "!="}),
    frozenset({"<", ">", "<=", ">="}),
    frozenset({"+", "-"}),
    frozenset({"*", "/", "%"}),
)
_LITERALS = {"true": True, "false": False, "null": None}
MAX_NESTING = 64


def parse_expression(text: str, offset: int = 0) -> Node:
    """Parse the body of one ``${...}``; raise JuelSyntaxError naming what and where."""
    return _Parser(tokenize(text, offset)).parse()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def operator(self) -> str | None:
        token = self.current
        if token.kind == "symbol":
            return token.text
        if token.kind == "keyword":
            return _ALIASES.get(token.text, token.text)
        return None

    def expect(self, symbol: str) -> Token:
        if self.operator() != symbol:
            raise JuelSyntaxError(f"expected '{symbol}'{self.found()}", self.current.position)
        return self.advance()

    def found(self) -> str:
        token = self.current
        return " but the expression ends" if token.kind == "end" else f", found '{token.text}'"

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise JuelSyntaxError("the expression is empty", self.current.position)
        node = self.conditional()
        if self.current.kind != "end":
            raise JuelSyntaxError(f"unexpected '{self.current.text}'", self.current.position)
        return node

    def conditional(self) -> Node:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise JuelSyntaxError(f"nested deeper than {MAX_NESTING} levels", self.current.position)
        try:
            return self.ternary()
        finally:
            self.depth -= 1

    def ternary(self) -> Node:
        condition = self.binary(0)
        if self.operator() != "?":
            return condition
        self.advance()
        then = self.conditional()
        self.expect(":")
        return Conditional(condition, then, self.conditional())

    def binary(self, level: int) -> Node:
        if level == len(_LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while self.operator() in _LEVELS[level]:
            operator = self.operator() or ""
            self.advance()
            node = Binary(operator, node, self.binary(level + 1))
        return node

    def unary(self) -> Node:
        operator = self.operator()
        if operator in ("-", "!", "empty"):
            self.advance()
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise JuelSyntaxError(
                    f"nested deeper than {MAX_NESTING} levels", self.current.position
                )
            try:
                return Unary(operator or "", self.unary())
            finally:
                self.depth -= 1
        return self.postfix(self.primary())

    def primary(self) -> Node:
        token = self.advance()
        if token.kind in ("number", "string"):
            return Literal(token.value)
        if token.kind == "keyword" and token.text in _LITERALS:
            return Literal(_LITERALS[token.text])
        if token.kind == "symbol" and token.text == "(":
            node = self.conditional()
            self.expect(")")
            return node
        if token.kind == "name":
            if self.operator() == "(" or (
                self.operator() == ":"
                and self.tokens[self.index + 1].kind == "name"
                and self.tokens[self.index + 2].text == "("
            ):
                raise JuelSyntaxError(
                    f"function '{token.text}' is not supported (only methods of variables)",
                    token.position,
                )
            return Identifier(token.text, token.position)
        if token.text == "instanceof":
            raise JuelSyntaxError("'instanceof' is not supported", token.position)
        shown = "the end of the expression" if token.kind == "end" else f"'{token.text}'"
        raise JuelSyntaxError(f"unexpected {shown}", token.position)

    def postfix(self, node: Node) -> Node:
        while True:
            operator = self.operator()
            if operator == ".":
                self.advance()
                name = self.advance()
                if name.kind not in ("name", "keyword"):
                    raise JuelSyntaxError("expected a property name after '.'", name.position)
                if self.operator() == "(":
                    node = MethodCall(node, name.text, self.arguments(), name.position)
                    if name.text not in SUPPORTED_METHODS:
                        raise JuelSyntaxError(
                            f"method '{name.text}' is not supported", name.position
                        )
                else:
                    node = Access(node, Literal(name.text))
            elif operator == "[":
                self.advance()
                key = self.conditional()
                self.expect("]")
                node = Access(node, key)
            else:
                return node

    def arguments(self) -> tuple[Node, ...]:
        self.expect("(")
        arguments: list[Node] = []
        if self.operator() != ")":
            arguments.append(self.conditional())
            while self.operator() == ",":
                self.advance()
                arguments.append(self.conditional())
        self.expect(")")
        return tuple(arguments)
