"""Entry points: compile FEEL expressions and unary tests once, evaluate many times."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kontor.rules.feel import syntax as ast
from kontor.rules.feel.compiler import Compiler
from kontor.rules.feel.compiler_tests import SLOW, compile_positive_tests, fast_matcher
from kontor.rules.feel.errors import FeelWarning
from kontor.rules.feel.parser import parse_expression, parse_unary_tests
from kontor.rules.feel.runtime import EvalContext
from kontor.rules.feel.typesystem import TypeLike

_EMPTY: Mapping[str, Any] = {}


class CompiledExpression:
    """A parsed and compiled FEEL expression."""

    __slots__ = ("_evaluator", "_literal", "source", "tree")

    def __init__(
        self,
        source: str,
        names: Iterable[str] = (),
        types: Mapping[str, TypeLike] | None = None,
    ) -> None:
        names = list(names)
        self.source = source
        self.tree = parse_expression(source, names)
        self._evaluator = Compiler(names, types).compile(self.tree, None)
        # Output entries are mostly literals: answer those without building a context.
        self._literal = self.tree if isinstance(self.tree, ast.Literal) else None

    def evaluate(self, scope: Mapping[str, Any], warnings: list[FeelWarning] | None = None) -> Any:
        """Evaluate against `scope`; data problems give null and append to `warnings`."""
        literal = self._literal
        if literal is not None:
            return literal.value
        return self._evaluator(EvalContext(scope, warnings))

    def __repr__(self) -> str:
        return f"CompiledExpression({self.source!r})"


class CompiledUnaryTests:
    """Parsed and compiled unary tests (decision-table input entries, allowed values)."""

    __slots__ = ("_any_value", "_fast", "_matcher", "_negated", "source", "tree")

    def __init__(
        self,
        source: str,
        names: Iterable[str] = (),
        types: Mapping[str, TypeLike] | None = None,
    ) -> None:
        names = list(names)
        self.source = source
        self.tree = parse_unary_tests(source, names)
        self._any_value = self.tree.any_value
        self._negated = self.tree.negated
        self._fast = fast_matcher(self.tree)
        self._matcher = (
            None
            if self._any_value
            else compile_positive_tests(Compiler(names, types), self.tree.tests, None)
        )

    def matches(
        self, value: Any, scope: Mapping[str, Any], warnings: list[FeelWarning] | None = None
    ) -> bool | None:
        """True if `value` passes the tests, False if not, None if undecidable."""
        fast = self._fast
        if fast is not None:
            verdict = fast(value)
            if verdict is not SLOW:
                return verdict  # type: ignore[no-any-return]
        if self._matcher is None:
            return True
        verdict = self._matcher(EvalContext(scope, warnings, value), value)
        if self._negated and verdict is not None:
            return not verdict
        return verdict

    def __repr__(self) -> str:
        return f"CompiledUnaryTests({self.source!r})"


def compile_expression(
    text: str, names: Iterable[str] = (), *, types: Mapping[str, TypeLike] | None = None
) -> CompiledExpression:
    """Parse and compile a FEEL expression; raises FeelSyntaxError.

    `types` maps type names defined outside FEEL (DMN item definitions) for `instance of`.
    """
    return CompiledExpression(text, names, types)


def compile_unary_tests(
    text: str, names: Iterable[str] = (), *, types: Mapping[str, TypeLike] | None = None
) -> CompiledUnaryTests:
    """Parse and compile FEEL unary tests; raises FeelSyntaxError."""
    return CompiledUnaryTests(text, names, types)


def evaluate(text: str, scope: Mapping[str, Any] | None = None) -> Any:
    """Compile and evaluate in one go (convenience; prefer compiling once)."""
    scope = _EMPTY if scope is None else scope
    return compile_expression(text, scope.keys()).evaluate(scope)
