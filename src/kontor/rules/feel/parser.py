"""Recursive-descent parser from FEEL text to the syntax tree of `syntax.py`."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, lru_cache

from kontor.rules.feel import syntax as ast
from kontor.rules.feel.errors import FeelSyntaxError
from kontor.rules.feel.lexer import KnownNames, Scanner, Token
from kontor.rules.feel.temporal import parse_temporal_literal
from kontor.rules.feel.typesystem import read_type_at

_COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
_TEST_OPERATORS = ("<", "<=", ">", ">=", "=", "!=")


class Parser:
    """Parses one FEEL text; names in scope guide the recognition of multi-word names."""

    def __init__(self, text: str, names: Iterable[str]) -> None:
        self.text = text
        self.known = KnownNames(base=_known_names(tuple(names)))
        self.scanner = Scanner(text, self.known)
        self.pos = 0
        self.allow_filter = True
        self._cached_pos = -1
        self._cached_token = Token("EOF", None, 0, 0)

    # -- token helpers -------------------------------------------------------------------
    def peek(self) -> Token:
        """The next token (cached until the position or the known names change)."""
        if self._cached_pos != self.pos:
            self._cached_token = self.scanner.scan(self.pos)
            self._cached_pos = self.pos
        return self._cached_token

    def peek_after(self, token: Token) -> Token:
        """The token that follows `token`."""
        return self.scanner.scan(token.end)

    def advance(self) -> Token:
        """Consume and return the next token."""
        token = self.peek()
        self.pos = token.end
        return token

    def error(self, message: str, token: Token | None = None) -> FeelSyntaxError:
        """A syntax error at `token` (default: the next token)."""
        token = token or self.peek()
        return FeelSyntaxError.at_offset(message, self.text, token.start)

    def accept_op(self, symbol: str) -> bool:
        """Consume the operator `symbol` if it comes next."""
        if self.peek().is_op(symbol):
            self.advance()
            return True
        return False

    def expect_op(self, symbol: str) -> Token:
        """Consume the operator `symbol` or fail."""
        token = self.peek()
        if not token.is_op(symbol):
            raise self.error(f"expected '{symbol}' but found {_describe(token)}")
        return self.advance()

    def accept_word(self, word: str) -> bool:
        """Consume the keyword `word` if it comes next."""
        if self.peek().is_word(word):
            self.advance()
            return True
        return False

    def expect_word(self, word: str) -> Token:
        """Consume the keyword `word` or fail."""
        token = self.peek()
        if not token.is_word(word):
            raise self.error(f"expected '{word}' but found {_describe(token)}")
        return self.advance()

    def expect_end(self) -> None:
        """Fail unless all text was consumed."""
        token = self.peek()
        if token.kind != "EOF":
            raise self.error(f"unexpected {_describe(token)}")

    def declare(self, name: str) -> None:
        """Make a name declared inside the expression recognisable."""
        self.known.add(name)
        self._cached_pos = -1

    def undeclare(self, name: str) -> None:
        """Leave the scope of a declared name."""
        self.known.remove(name)
        self._cached_pos = -1

    def expect_name(self, what: str) -> Token:
        """Consume a name token."""
        token = self.peek()
        if token.kind != "NAME":
            raise self.error(f"expected {what} but found {_describe(token)}")
        return self.advance()

    # -- entry points --------------------------------------------------------------------
    def parse_expression_text(self) -> ast.Node:
        """Parse the whole text as one expression."""
        if self.peek().kind == "EOF":
            raise self.error("empty expression")
        node = self.parse_expression()
        self.expect_end()
        return node

    def parse_unary_tests_text(self) -> ast.UnaryTests:
        """Parse the whole text as unary tests (`-`, `not(...)` or a comma list)."""
        first = self.peek()
        if first.kind == "EOF" or (first.is_op("-") and self.peek_after(first).kind == "EOF"):
            return ast.UnaryTests([], any_value=True, offset=first.start)
        if first.is_word("not") and self.peek_after(first).is_op("("):
            saved = self.pos
            self.advance()
            self.advance()
            try:
                tests = self.parse_positive_tests()
                self.expect_op(")")
                if self.peek().kind == "EOF":
                    return ast.UnaryTests(tests, negated=True, offset=first.start)
            except FeelSyntaxError:
                pass
            self.pos = saved
        tests = self.parse_positive_tests()
        self.expect_end()
        return ast.UnaryTests(tests, offset=first.start)

    def parse_positive_tests(self) -> list[ast.Node]:
        """Comma-separated positive unary tests."""
        tests = [self.parse_positive_test()]
        while self.accept_op(","):
            tests.append(self.parse_positive_test())
        return tests

    def parse_positive_test(self) -> ast.Node:
        """`< endpoint` and friends, or any expression."""
        token = self.peek()
        if token.kind == "OP" and token.value in _TEST_OPERATORS:
            self.advance()
            endpoint = self.parse_additive()
            return ast.UnaryComparison(str(token.value), endpoint, offset=token.start)
        return self.parse_expression()

    # -- expressions ---------------------------------------------------------------------
    def parse_expression(self) -> ast.Node:
        """textual expression (lowest precedence)."""
        return self.parse_disjunction()

    def parse_disjunction(self) -> ast.Node:
        """a or b."""
        left = self.parse_conjunction()
        while self.peek().is_word("or"):
            token = self.advance()
            left = ast.Logical("or", left, self.parse_conjunction(), offset=token.start)
        return left

    def parse_conjunction(self) -> ast.Node:
        """a and b."""
        left = self.parse_comparison()
        while self.peek().is_word("and"):
            token = self.advance()
            left = ast.Logical("and", left, self.parse_comparison(), offset=token.start)
        return left

    def parse_comparison(self) -> ast.Node:
        """Comparisons, between, in, instance of."""
        left = self.parse_additive()
        while True:
            token = self.peek()
            if token.kind == "OP" and token.value in _COMPARISONS:
                self.advance()
                right = self.parse_additive()
                left = ast.Binary(str(token.value), left, right, offset=token.start)
            elif token.is_word("between"):
                self.advance()
                low = self.parse_additive()
                self.expect_word("and")
                left = ast.Between(left, low, self.parse_additive(), offset=token.start)
            elif token.is_word("in"):
                self.advance()
                left = ast.In(left, self.parse_in_tests(), offset=token.start)
            elif token.is_word("instance"):
                self.advance()
                of_token = self.expect_word("of")
                feel_type, end = read_type_at(self.text, of_token.end)
                self.pos = end
                left = ast.InstanceOf(left, feel_type, offset=token.start)
            else:
                return left

    def parse_in_tests(self) -> list[ast.Node]:
        """Right side of `in`: one positive unary test or a parenthesised list of them."""
        if self.peek().is_op("("):
            saved = self.pos
            self.advance()
            first = self.parse_positive_test()
            if not self.peek().is_op(".."):
                tests = [first]
                while self.accept_op(","):
                    tests.append(self.parse_positive_test())
                self.expect_op(")")
                return tests
            self.pos = saved
        return [self.parse_positive_test()]

    def parse_additive(self) -> ast.Node:
        """a + b, a - b."""
        left = self.parse_multiplicative()
        while True:
            token = self.peek()
            if token.is_op("+") or token.is_op("-"):
                self.advance()
                right = self.parse_multiplicative()
                left = ast.Binary(str(token.value), left, right, offset=token.start)
            else:
                return left

    def parse_multiplicative(self) -> ast.Node:
        """a * b, a / b."""
        left = self.parse_power()
        while True:
            token = self.peek()
            if token.is_op("*") or token.is_op("/"):
                self.advance()
                right = self.parse_power()
                left = ast.Binary(str(token.value), left, right, offset=token.start)
            else:
                return left

    def parse_unary(self) -> ast.Node:
        """Arithmetic negation binds tighter than exponentiation: -3 ** 2 = 9 (DMN TCK)."""
        token = self.peek()
        if token.is_op("-"):
            self.advance()
            operand = self.parse_unary()
            if isinstance(operand, ast.Literal) and type(operand.value).__name__ == "Decimal":
                return ast.Literal(-operand.value, offset=token.start)
            return ast.Negation(operand, offset=token.start)
        return self.parse_postfix()

    def parse_power(self) -> ast.Node:
        """a ** b (left associative)."""
        left = self.parse_unary()
        while self.peek().is_op("**"):
            token = self.advance()
            right = self.parse_unary()
            left = ast.Binary("**", left, right, offset=token.start)
        return left

    def parse_postfix(self) -> ast.Node:
        """Paths, filters and invocations following a primary."""
        from kontor.rules.feel.parser_primary import (
            parse_call_arguments,
            parse_filter,
            parse_primary,
        )

        node = parse_primary(self)
        while True:
            token = self.peek()
            if token.is_op("."):
                self.advance()
                member = self.scanner.scan_member(self.pos)
                if member.kind != "NAME":
                    raise self.error("expected a name after '.'", member)
                self.pos = member.end
                node = ast.Path(node, str(member.value), offset=token.start)
            elif token.is_op("[") and self.allow_filter:
                node = parse_filter(self, node)
            elif token.is_op("("):
                node = parse_call_arguments(self, node)
            else:
                return node


@cache
def _builtin_names() -> KnownNames:
    from kontor.rules.feel.builtins import BUILTIN_NAMES

    return KnownNames(BUILTIN_NAMES)


@lru_cache(maxsize=128)
def _known_names(names: tuple[str, ...]) -> KnownNames:
    """Built-in plus given names; cached because all cells of a DMN table share their names."""
    return KnownNames(names, base=_builtin_names())


def _describe(token: Token) -> str:
    if token.kind == "EOF":
        return "end of text"
    if token.kind == "STRING":
        return "a string"
    if token.kind == "NUMBER":
        return "a number"
    return f"'{token.value}'"


def parse_expression(text: str, names: Iterable[str] = ()) -> ast.Node:
    """Parse a FEEL expression."""
    try:
        return Parser(text, names).parse_expression_text()
    except RecursionError:
        raise FeelSyntaxError("expression is nested too deeply", text, 1, 1) from None


def parse_unary_tests(text: str, names: Iterable[str] = ()) -> ast.UnaryTests:
    """Parse FEEL unary tests."""
    try:
        return Parser(text, names).parse_unary_tests_text()
    except RecursionError:
        raise FeelSyntaxError("unary tests are nested too deeply", text, 1, 1) from None


def temporal_literal(parser: Parser, token: Token) -> ast.Node:
    """An @"..." literal, parsed once; an invalid one evaluates to null with a warning."""
    value = parse_temporal_literal(str(token.value))
    if value is None:
        return ast.Call(
            ast.Name("date and time", offset=token.start),
            [ast.Literal(str(token.value), offset=token.start)],
            None,
            offset=token.start,
        )
    return ast.Literal(value, offset=token.start)
