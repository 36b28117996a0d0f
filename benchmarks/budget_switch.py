"""Switching Kontor's budgets off for a measurement of what they cost (benchmarks only).

Budgets on is Kontor as shipped. Budgets off replaces, for the block, the budget work with
nothing: FEEL's per-evaluation budget (the clock read at its start, every iteration, size,
nesting and result check) and the process step's bookkeeping (registering the running step,
its budget, the rerun-on-exhaustion wrapper). Only the per-element counter of a step (one
integer increment and comparison, inlined in the engine's loop) stays, with limits so high
that it never looks at the clock. Interleave rounds on and off: a loaded machine drifts.
"""

from __future__ import annotations

import math
import statistics
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from kontor.process import service
from kontor.process.running_steps import RunningSteps
from kontor.process.runtime import execution
from kontor.process.runtime.budget import StepBudget, StepLimits
from kontor.rules.feel.limits import Budget, EvaluationLimits

_NO_LIMITS = StepLimits(max_elements=sys.maxsize, max_seconds=math.inf)
_SHARED = StepBudget(_NO_LIMITS)  # every execution counts here; it never reaches a check
_SHARED.next_check = sys.maxsize


def _shared_budget() -> StepBudget:
    return _SHARED


def _nothing(self: Budget, *_: Any) -> None:
    return None


def _enter(self: Budget) -> None:
    self.depth += 1  # the caller's ``finally`` takes it off again


def _new_budget(self: Budget, limits: EvaluationLimits) -> None:
    self.limits = limits
    self.remaining = limits.max_iterations
    self.depth = 0
    self._deadline = 1e18  # what ``seconds_left`` answers: no time limit (no clock read)
    self._next_check = -sys.maxsize


@contextmanager
def _unregistered(
    self: RunningSteps, tenant_id: str, instance_id: str, limits: StepLimits
) -> Iterator[StepBudget]:
    yield _SHARED


def _without_rerun(budget: StepBudget, step: Callable[[], Any], **_: Any) -> Any:
    return step()


@contextmanager
def budgets(on: bool) -> Iterator[None]:
    """Run the block with Kontor's budgets as shipped (``on``) or without their work."""
    if on:
        yield
        return
    replaced: list[tuple[Any, str, Any]] = [
        (Budget, "__init__", _new_budget),
        (Budget, "spend", _nothing),
        (Budget, "check_list", _nothing),
        (Budget, "check_string", _nothing),
        (Budget, "check_result", _nothing),
        (Budget, "enter", _enter),
        (RunningSteps, "run", _unregistered),
        (service, "run_within", _without_rerun),
        (execution, "current_budget", _shared_budget),
    ]
    saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in replaced]
    for owner, name, value in replaced:
        setattr(owner, name, value)
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def interleaved(rounds: int, measure: Callable[[], dict[str, float]]) -> dict[str, Any]:
    """``measure`` ``rounds`` times with budgets on and off in turn (which goes first
    alternates). ``measure`` gives rates by name (higher is better: per wall second, per CPU
    second); for each: every round's rates, the medians and on/off."""
    runs: dict[str, list[dict[str, float]]] = {"on": [], "off": []}
    for number in range(rounds):
        for state in ("on", "off") if number % 2 == 0 else ("off", "on"):
            with budgets(state == "on"):
                runs[state].append(measure())
    figures: dict[str, Any] = {}
    for name in runs["on"][0]:
        on_rates = [round(run[name], 1) for run in runs["on"]]
        off_rates = [round(run[name], 1) for run in runs["off"]]
        on, off = statistics.median(on_rates), statistics.median(off_rates)
        figures[name] = {
            "budgets_on": on_rates,
            "budgets_off": off_rates,
            "median_on": on,
            "median_off": off,
            "on_vs_off": round(on / off, 3),
            "cost_percent": round((1 - on / off) * 100, 1),
        }
    return figures
