"""Evaluation budgets: bounds on iterations, sizes, nesting and time of one FEEL evaluation.

Loops, filters and function calls spend from one `Budget` per evaluation (a DMN evaluation
shares one across all its expressions). Exceeding a limit raises `EvaluationBudgetExceeded`;
the outermost `evaluate` turns it into null plus a warning, as the DMN specification prescribes
for evaluation errors, unless the limits are strict (the process engine wants an incident).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from time import monotonic
from typing import Any

# How many iterations may pass between two looks at the clock (keeps the hot path cheap).
_CLOCK_EVERY = 1024


@dataclass(frozen=True, slots=True)
class EvaluationLimits:
    """Upper bounds for one evaluation; `strict` raises instead of giving null."""

    max_iterations: int = 1_000_000
    max_list_size: int = 100_000
    max_string_length: int = 1_000_000
    max_depth: int = 64
    max_seconds: float = 2.0
    strict: bool = False

    def start(self) -> Budget:
        """A fresh budget for one evaluation, its clock starting now."""
        return Budget(self)


DEFAULT_LIMITS = EvaluationLimits()


class EvaluationBudgetExceeded(Exception):
    """An evaluation went beyond one of its limits; `limit` names the setting."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit
        self.message = message


class Budget:
    """What one evaluation has left; once exceeded it stays exceeded."""

    __slots__ = ("_deadline", "_next_check", "depth", "limits", "remaining")

    def __init__(self, limits: EvaluationLimits) -> None:
        self.limits = limits
        self.remaining = limits.max_iterations
        self.depth = 0
        self._deadline = monotonic() + limits.max_seconds
        self._next_check = max(self.remaining - _CLOCK_EVERY, 0)

    def spend(self, count: int) -> None:
        """Account for `count` iterations (loop items, filter items or calls)."""
        self.remaining -= count
        if self.remaining < self._next_check:
            self._check()

    def _check(self) -> None:
        if self.remaining < 0:
            raise self.exceeded("max_iterations", "too many iterations")
        if monotonic() > self._deadline:
            self.remaining = -1  # stay exceeded for every later spend
            raise self.exceeded("max_seconds", "the evaluation took too long")
        self._next_check = max(self.remaining - _CLOCK_EVERY, 0)

    def check_list(self, size: int) -> None:
        """Refuse to build a list of `size` items beyond the limit."""
        if size > self.limits.max_list_size:
            raise self.exceeded("max_list_size", f"a list of {size} items")

    def check_string(self, length: int) -> None:
        """Refuse a string of `length` characters beyond the limit."""
        if length > self.limits.max_string_length:
            raise self.exceeded("max_string_length", f"a string of {length} characters")

    def check_result(self, value: list[Any] | dict[str, Any]) -> None:
        """Refuse a result holding more than `max_list_size` items through its nesting.

        Lists may share their items, so a few iterations can build a value whose JSON form
        would be huge; this walk stops as soon as the limit is passed.
        """
        limit = self.limits.max_list_size
        count = 0
        pending: list[Any] = [value]
        while pending:
            current = pending.pop()
            kind = type(current)
            if kind is list:
                count += len(current)
                pending.extend(current)
            elif kind is dict:
                count += len(current)
                pending.extend(current.values())
            if count > limit:
                raise self.exceeded("max_list_size", f"a result of more than {limit} items")

    def seconds_left(self) -> float:
        """Time this evaluation may still take (for work that cannot count, like a regex)."""
        return max(self._deadline - monotonic(), 0.0)

    def enter(self) -> None:
        """Enter a function call (counted as an iteration, nested up to `max_depth`)."""
        self.spend(1)
        if self.depth >= self.limits.max_depth:
            raise self.exceeded("max_depth", "calls nested too deeply")
        self.depth += 1

    def exceeded(self, limit: str, what: str) -> EvaluationBudgetExceeded:
        """The error for `limit` (a field of EvaluationLimits), saying what happened."""
        value = getattr(self.limits, limit)
        return EvaluationBudgetExceeded(
            limit, f"evaluation budget exceeded: {what} ({limit} = {value})"
        )


# The budget of the evaluation running in this thread or task, for built-ins that cannot
# count iterations themselves (a regular expression runs in C).
RUNNING: ContextVar[Budget | None] = ContextVar("feel_budget", default=None)
