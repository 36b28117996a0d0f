"""Runs one instance in memory to its end or to a wait nobody can leave (for the CLI and trials).

Time is a ``FakeClock``: when nothing else can move, it jumps to the next due timer. Jobs have no
workers here, so they complete with an empty result; user tasks complete only when asked. Each
step runs within the same budget as on the server: a loop without wait state ends in an incident.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kontor.messaging import FakeClock
from kontor.process.bpmn import Definitions
from kontor.process.runtime import (
    ActivityCompleted,
    Effect,
    ExpressionEvaluator,
    InstanceState,
    InstanceStatus,
    StepBudget,
    StepLimits,
    StepResult,
    Timer,
    complete_job,
    complete_user_task,
    fire_timer,
    start,
)
from kontor.process.runtime.budget import run_within
from kontor.process.runtime.timers import parse_date


@dataclass(frozen=True)
class CompletedActivity:
    """A flow node the instance left normally, with its name and BPMN kind."""

    element_id: str
    name: str | None
    kind: str


@dataclass
class Simulation:
    """The outcome of a simulated run: final state, every effect and whether it was cut short."""

    definitions: Definitions
    state: InstanceState
    effects: list[Effect] = field(default_factory=list)
    step_limit_reached: bool = False

    @property
    def completed(self) -> list[CompletedActivity]:
        """Completed flow nodes in completion order."""
        process = self.definitions.process(self.state.process_id)
        return [
            CompletedActivity(e.element_id, process.node(e.element_id).name, e.element_kind)
            for e in self.effects
            if isinstance(e, ActivityCompleted)
        ]

    @property
    def waiting_at(self) -> list[str]:
        """Element ids of the wait states still open, sorted."""
        s = self.state
        tables = (s.user_tasks, s.jobs, s.timers, s.subscriptions)
        return sorted(row.element_id for table in tables for row in table.values())

    @property
    def outcome(self) -> str:
        """``completed``, ``incident`` or ``waiting``."""
        if self.state.incidents:
            return "incident"
        return "completed" if self.state.status is not InstanceStatus.ACTIVE else "waiting"


def next_timer(state: InstanceState) -> tuple[Timer, dt.datetime] | None:
    """The timer due first, with its due time, or ``None`` without timers."""
    timers = [(timer, parse_date(timer.due)) for timer in state.timers.values()]
    return min(timers, key=lambda pair: pair[1]) if timers else None


def simulate(
    definitions: Definitions,
    process_id: str,
    variables: Mapping[str, Any],
    *,
    evaluator: ExpressionEvaluator,
    clock: FakeClock | None = None,
    complete_user_tasks: bool = False,
    max_steps: int = 1000,
    limits: StepLimits | None = None,
) -> Simulation:
    """Start ``process_id`` and drive it until it ends, is stuck or ``max_steps`` ran."""
    clock = clock or FakeClock()

    def budgeted(step: Callable[[], StepResult]) -> StepResult:
        return run_within(StepBudget(limits or StepLimits()), step)

    first = budgeted(lambda: start(definitions, process_id, variables, clock, evaluator=evaluator))
    run = Simulation(definitions, first.state, list(first.effects))
    for _ in range(max_steps):
        step = _next_step(run, clock, evaluator, complete_user_tasks)
        if step is None:
            return run
        result = budgeted(step)
        run.state = result.state
        run.effects.extend(result.effects)
    run.step_limit_reached = run.state.status is InstanceStatus.ACTIVE
    return run


def _next_step(
    run: Simulation, clock: FakeClock, evaluator: ExpressionEvaluator, complete_tasks: bool
) -> Callable[[], StepResult] | None:
    state, definitions = run.state, run.definitions
    if state.status is not InstanceStatus.ACTIVE:
        return None
    upcoming = next_timer(state)
    if upcoming is not None and upcoming[1] <= clock.now():
        timer_id = upcoming[0].id
        return lambda: fire_timer(definitions, state, timer_id, clock, evaluator=evaluator)
    stuck_jobs = {incident.job_id for incident in state.incidents.values()}
    for job in state.jobs.values():
        if job.id not in stuck_jobs:
            job_id = job.id
            return lambda: complete_job(definitions, state, job_id, {}, clock, evaluator=evaluator)
    if complete_tasks and state.user_tasks:
        task_id = next(iter(state.user_tasks.values())).id
        return lambda: complete_user_task(
            definitions, state, task_id, {}, clock, evaluator=evaluator
        )
    if upcoming is not None:
        clock.advance(upcoming[1] - clock.now())
        timer_id = upcoming[0].id
        return lambda: fire_timer(definitions, state, timer_id, clock, evaluator=evaluator)
    return None
