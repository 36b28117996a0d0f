"""The production expression evaluator: FEEL from ``kontor.rules.feel``, JUEL of Camunda 7."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from kontor.process.bpmn.expressions import JUEL, Expression
from kontor.process.juel import JuelEvaluator
from kontor.rules.feel import (
    DEFAULT_LIMITS,
    CompiledExpression,
    EvaluationLimits,
    FeelWarning,
    compile_expression,
    to_feel,
    to_json,
)


class UnsupportedExpressionLanguage(ValueError):
    """An expression is written in a language other than FEEL."""


class UnrepresentableNumber(ValueError):
    """A variable holds a number FEEL cannot represent: NaN, infinite or beyond decimal128."""


class FeelEvaluator:
    """Evaluates FEEL expressions of process models; compiled forms are cached by text.

    The limits are strict: an expression beyond its budget raises EvaluationBudgetExceeded,
    which the engine turns into an incident, rather than taking a default branch on null.
    """

    def __init__(self, limits: EvaluationLimits = DEFAULT_LIMITS) -> None:
        self._compiled: dict[tuple[str, tuple[str, ...]], CompiledExpression] = {}
        self._limits = replace(limits, strict=True)
        self._juel = JuelEvaluator()

    def evaluate(self, expression: Expression, variables: Mapping[str, Any]) -> Any:
        """Evaluate ``expression`` against JSON ``variables``; the result is JSON again."""
        if expression.language == JUEL:
            return self._juel.evaluate(expression.text, variables)
        if not expression.is_feel:
            raise UnsupportedExpressionLanguage(
                f"expression language '{expression.language}' is not supported; use FEEL (or JUEL)"
            )
        # Only names with spaces need announcing to the parser; keeping the key small
        # lets every instance share one compiled form.
        spaced = tuple(sorted(name for name in variables if " " in name))
        key = (expression.text, spaced)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = compile_expression(expression.text, spaced)
            self._compiled[key] = compiled
        warnings: list[FeelWarning] = []
        scope = {name: to_feel(value, warnings) for name, value in variables.items()}
        if warnings:
            # As null the value could send the token down a default flow: an incident instead.
            raise UnrepresentableNumber(
                f"variable '{_first_unrepresentable(variables)}': {warnings[0].message}"
            )
        return to_json(compiled.evaluate(scope, warnings, self._limits.start()))


def _first_unrepresentable(variables: Mapping[str, Any]) -> str:
    for name, value in variables.items():
        problems: list[FeelWarning] = []
        to_feel(value, problems)
        if problems:
            return name
    return "?"  # pragma: no cover - called only after a conversion warned
