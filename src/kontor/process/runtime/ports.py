"""What the pure runtime needs from outside: an expression evaluator (the clock is messaging's)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from kontor.process.bpmn.expressions import Expression


class ExpressionEvaluator(Protocol):
    """Evaluates model expressions (FEEL in production, fakes in tests)."""

    def evaluate(self, expression: Expression, variables: Mapping[str, Any]) -> Any:
        """Return the value of ``expression`` given the visible ``variables``."""
        ...
