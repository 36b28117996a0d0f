"""What the pure runtime needs from outside: an expression evaluator and a clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from kontor.process.bpmn.expressions import Expression


class ExpressionEvaluator(Protocol):
    """Evaluates model expressions (FEEL in production, fakes in tests)."""

    def evaluate(self, expression: Expression, variables: Mapping[str, Any]) -> Any:
        """Return the value of ``expression`` given the visible ``variables``."""
        ...


class Clock(Protocol):
    """Source of the current time (timezone-aware UTC)."""

    def now(self) -> datetime:
        """Current time."""
        ...


class ManualClock:
    """A clock that only moves when told to; shipped for tests and simulations."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        """Current (fake) time."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` and return the new time."""
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to ``moment``."""
        self._now = moment
