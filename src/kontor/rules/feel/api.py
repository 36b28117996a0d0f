"""Entry points: compile FEEL expressions and unary tests once, evaluate many times."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kontor.rules.feel import syntax as ast
from kontor.rules.feel.compiler import Compiler
from kontor.rules.feel.compiler_tests import SLOW, compile_positive_tests, fast_matcher
from kontor.rules.feel.errors import FeelSyntaxError, FeelWarning
from kontor.rules.feel.limits import (
    DEFAULT_LIMITS,
    RUNNING,
    Budget,
    EvaluationBudgetExceeded,
    EvaluationLimits,
)
from kontor.rules.feel.parser import parse_expression, parse_unary_tests
from kontor.rules.feel.runtime import EvalContext, Evaluator
from kontor.rules.feel.typesystem import TypeLike

_EMPTY: Mapping[str, Any] = {}


class BudgetedWarnings(list[FeelWarning]):
    """A warning list that carries the budget of the evaluation filling it.

    A DMN evaluation hands one to every expression it evaluates, so all of them spend from
    one budget without each call site passing it along. The budget (and its clock) starts
    with the first expression evaluated: many decision tables never need one.
    """

    # Class defaults instead of an __init__: one is made per DMN evaluation, so it stays as
    # cheap to create as a plain list.
    limits: EvaluationLimits = DEFAULT_LIMITS
    _budget: Budget | None = None

    @classmethod
    def of(cls, limits: EvaluationLimits) -> BudgetedWarnings:
        """An empty warning list whose budget will follow `limits`."""
        warnings = cls()
        if limits is not DEFAULT_LIMITS:
            warnings.limits = limits
        return warnings

    @property
    def budget(self) -> Budget:
        """The shared budget, started on first use."""
        if self._budget is None:
            self._budget = self.limits.start()
        return self._budget


def _budget_for(warnings: list[FeelWarning] | None, budget: Budget | None) -> Budget:
    if budget is not None:
        return budget
    if type(warnings) is BudgetedWarnings:
        return warnings.budget
    return DEFAULT_LIMITS.start()


def _run(evaluator: Callable[[EvalContext], Any], ctx: EvalContext) -> Any:
    """Run an evaluation; an exceeded budget gives null plus a warning unless strict.

    Inside a function call (a BKM's body) the error travels on, so that the expression the
    caller evaluates, not a part of it, becomes null.
    """
    budget = ctx.budget
    if budget.depth:
        return evaluator(ctx)
    running = RUNNING.set(budget)
    try:
        result = evaluator(ctx)
        kind = type(result)
        if kind is list or kind is dict:
            budget.check_result(result)
        return result
    except RecursionError:
        error = budget.exceeded("max_depth", "the evaluation nested too deeply")
        if budget.limits.strict:
            raise error from None
        ctx.warn("budget-exceeded", error.message)
    except EvaluationBudgetExceeded as error:
        if budget.limits.strict:
            raise
        ctx.warn("budget-exceeded", error.message)
    finally:
        RUNNING.reset(running)
    return None


def _compile(compiler: Compiler, tree: Any, source: str) -> Evaluator:
    try:
        return compiler.compile(tree, None)
    except RecursionError:
        raise FeelSyntaxError("expression is nested too deeply", source, 1, 1) from None


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
        self._evaluator = _compile(Compiler(names, types), self.tree, source)
        # Output entries are mostly literals: answer those without building a context.
        self._literal = self.tree if isinstance(self.tree, ast.Literal) else None

    def evaluate(
        self,
        scope: Mapping[str, Any],
        warnings: list[FeelWarning] | None = None,
        budget: Budget | None = None,
    ) -> Any:
        """Evaluate against `scope`; data problems give null and append to `warnings`.

        The evaluation spends from `budget` (else the one `warnings` carries, else a fresh one
        with the default limits); a strict budget raises EvaluationBudgetExceeded.
        """
        literal = self._literal
        if literal is not None:
            return literal.value
        context = EvalContext(scope, warnings, None, _budget_for(warnings, budget))
        return _run(self._evaluator, context)

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
            None if self._any_value else _compile_tests(Compiler(names, types), self.tree, source)
        )

    def matches(
        self,
        value: Any,
        scope: Mapping[str, Any],
        warnings: list[FeelWarning] | None = None,
        budget: Budget | None = None,
    ) -> bool | None:
        """True if `value` passes the tests, False if not, None if undecidable (or over budget)."""
        fast = self._fast
        if fast is not None:
            verdict = fast(value)
            if verdict is not SLOW:
                return verdict  # type: ignore[no-any-return]
        if self._matcher is None:
            return True
        matcher = self._matcher
        context = EvalContext(scope, warnings, value, _budget_for(warnings, budget))
        outcome: bool | None = _run(lambda ctx: matcher(ctx, value), context)
        if self._negated and outcome is not None:
            return not outcome
        return outcome

    def __repr__(self) -> str:
        return f"CompiledUnaryTests({self.source!r})"


def _compile_tests(compiler: Compiler, tree: ast.UnaryTests, source: str) -> Any:
    try:
        return compile_positive_tests(compiler, tree.tests, None)
    except RecursionError:
        raise FeelSyntaxError("unary tests are nested too deeply", source, 1, 1) from None


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
