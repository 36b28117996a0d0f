"""Step budgets: a step stops when it enters too many elements, runs too long or is told to.

A step is everything the engine does for one command until every token waits. A model whose
flow loops back without a wait state would otherwise run forever inside one transaction. The
hot path pays one integer increment and one comparison per element (``Execution._enter``); the
clock is read and the stop flag looked at only every ``CHECK_EVERY`` elements, or at the very
next element once ``StepBudget.stop`` was called from another thread.

When a limit is hit, the budget traces the next elements it sees to name the loop, then raises
``StepInterrupted``. The service layer rolls the step back and runs it again under a parking
budget (``parking``): the command's own change is kept (a task completion, a fired timer) and
the tokens it would have moved are parked in an incident that names the loop.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kontor.process.bpmn.model import Process

if TYPE_CHECKING:
    from kontor.process.runtime.commands import StepResult

CHECK_EVERY = 256  # elements between two looks at the clock and the stop flag
_TRACE_LIMIT = 1000  # elements traced after a limit was hit, to find the repeating ones


class StepInterrupted(Exception):
    """A step hit its budget (``requested`` False) or was stopped by a cancel or suspend."""

    def __init__(self, reason: str, *, requested: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.requested = requested


@dataclass(frozen=True)
class StepLimits:
    """How many element executions and seconds one step may take."""

    max_elements: int = 10_000
    max_seconds: float = 5.0


class StepBudget:
    """Counts the element executions of one step, shared by every execution in it."""

    __slots__ = (
        "_deadline",
        "_seen",
        "_stop_reason",
        "_trace",
        "_trace_deadline",
        "_tripped",
        "entered",
        "limits",
        "next_check",
        "parking_reason",
    )

    def __init__(self, limits: StepLimits, parking_reason: str | None = None) -> None:
        self.limits = limits
        self.entered = 0
        self.next_check = min(CHECK_EVERY, limits.max_elements)
        self.parking_reason = parking_reason
        self._deadline = time.monotonic() + limits.max_seconds
        self._stop_reason: str | None = None
        self._trace: list[str] | None = None
        self._seen: dict[str, dict[str, int]] = {}
        self._tripped = ""
        self._trace_deadline = 0.0

    def stop(self, reason: str) -> None:
        """Stop the step at its next element (safe to call from another thread)."""
        self._stop_reason = reason
        self.next_check = 0

    def check(self, token_id: str, element_id: str, process: Process) -> None:
        """Called by the execution when ``entered`` reached ``next_check``."""
        if (reason := self._stop_reason) is not None:
            raise StepInterrupted(reason, requested=True)
        if self._trace is not None:
            self._follow(token_id, element_id, process)
            return
        now = time.monotonic()
        if self.entered >= self.limits.max_elements:
            self._trip(f"{self.limits.max_elements} element executions", now)
        elif now >= self._deadline:
            self._trip(f"{self.limits.max_seconds:g} s", now)
        else:
            self.next_check = min(self.entered + CHECK_EVERY, self.limits.max_elements)
            if self._stop_reason is not None:  # ``stop`` ran between the two lines above
                self.next_check = 0
            return
        self._follow(token_id, element_id, process)

    def _trip(self, limit: str, now: float) -> None:
        self._tripped = limit
        self._trace = []
        self._trace_deadline = now + max(self.limits.max_seconds, 1.0)

    def _follow(self, token_id: str, element_id: str, process: Process) -> None:
        trace = self._trace
        assert trace is not None
        path = self._seen.setdefault(token_id, {})
        if element_id in path:
            cycle = _from_entry(list(path)[path[element_id] :], process)
            raise StepInterrupted(
                f"loop without wait state: {' → '.join(cycle)} "
                f"(the step stopped after {self._tripped})"
            )
        path[element_id] = len(path)
        trace.append(element_id)
        if len(trace) >= _TRACE_LIMIT or time.monotonic() >= self._trace_deadline:
            most = ", ".join(f"{e} ×{n}" for e, n in Counter(trace).most_common(3))
            raise StepInterrupted(
                f"the step reached no wait state within {self._tripped} (most entered: {most})"
            )
        self.next_check = self.entered + 1


def _from_entry(ring: list[str], process: Process) -> list[str]:
    """The loop's elements from where a flow from outside enters it, back to that element."""
    members = set(ring)
    for index, element_id in enumerate(ring):
        incoming = process.node(element_id).incoming
        if any(process.flow(flow_id).source not in members for flow_id in incoming):
            ring = ring[index:] + ring[:index]
            break
    return [*ring, ring[0]]


_current: ContextVar[StepBudget | None] = ContextVar("kontor_step_budget", default=None)


def current_budget() -> StepBudget:
    """The budget of the running step, or a fresh one with the default limits."""
    return _current.get() or StepBudget(StepLimits())


@contextmanager
def budgeted(budget: StepBudget) -> Iterator[StepBudget]:
    """Run the executions created inside the block under ``budget``."""
    reset = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(reset)


def run_within(
    budget: StepBudget,
    step: Callable[[], StepResult],
    *,
    again: Callable[[], StepResult] | None = None,
) -> StepResult:
    """``step`` under ``budget``; when that runs out, ``again`` (default: ``step``) with every
    token it would move parked in an incident naming the loop.

    A step stopped on request (``StepBudget.stop``) raises ``StepInterrupted`` to the caller.
    """
    with budgeted(budget):
        try:
            return step()
        except StepInterrupted as stop:
            if stop.requested:
                raise
            reason = stop.reason
    with budgeted(StepBudget(budget.limits, parking_reason=reason)):
        return (again or step)()
