"""The steps running in this process, so that a cancel or suspend can stop them mid-step.

Embedded, every request, timer and job runs in one process: cancelling or suspending an
instance stops its running step at the next element. Scaled out, the step may run in another
process; there it ends at its budget, and its save then meets the instance's newer revision
and is applied again to the cancelled or suspended state.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from kontor.process.runtime.budget import StepBudget, StepLimits


class RunningSteps:
    """Budgets of the steps running now, by tenant and instance."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._steps: dict[tuple[str, str], list[StepBudget]] = {}

    @contextmanager
    def run(self, tenant_id: str, instance_id: str, limits: StepLimits) -> Iterator[StepBudget]:
        """A fresh budget with ``limits`` for a step of the instance; stoppable in the block."""
        key = (tenant_id, instance_id)
        budget = StepBudget(limits)
        with self._lock:
            self._steps.setdefault(key, []).append(budget)
        try:
            yield budget
        finally:
            with self._lock:
                running = self._steps[key]
                running.remove(budget)
                if not running:
                    del self._steps[key]

    def count(self) -> int:
        """How many steps run now (in any tenant)."""
        with self._lock:
            return sum(len(running) for running in self._steps.values())

    def stop(self, tenant_id: str, instance_id: str, reason: str) -> int:
        """Stop the instance's running steps at their next element; return how many run."""
        with self._lock:
            running = list(self._steps.get((tenant_id, instance_id), ()))
        for budget in running:
            budget.stop(reason)
        return len(running)
