"""The job executor: claims due timers, async continuations and service-task jobs and runs them.

Service tasks run in-process handlers registered by task type. A handler runs outside any
transaction; its result is applied in a fresh unit of work that refuses a stale revision, so a
job whose instance moved meanwhile is simply claimed again once its lock expires.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kontor.messaging import MessageBus
from kontor.process.bpmn import Definitions
from kontor.process.errors import ConcurrentModification
from kontor.process.runtime import (
    InstanceState,
    StepResult,
    complete_job,
    fail_job,
    fire_timer,
    throw_bpmn_error,
)
from kontor.process.runtime.activities import ASYNC_JOB_TYPE
from kontor.process.runtime.execution import Execution
from kontor.process.service import ProcessServices, Step
from kontor.process.store import TIMER, ClaimedJob, InstanceRecord, InstanceStore, JobQueue

log = logging.getLogger(__name__)

TaskHandler = Callable[[Mapping[str, Any], Mapping[str, str]], Mapping[str, Any] | None]
"""Runs a service task: (variables, headers) → result variables; raise ``BpmnError`` to throw."""


class BpmnError(Exception):
    """Raised by a task handler to throw a BPMN error that boundary events can catch."""

    def __init__(
        self, code: str, message: str = "", variables: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message
        self.variables = dict(variables or {})


class TaskHandlers:
    """In-process service-task handlers by task type."""

    def __init__(self) -> None:
        self._handlers: dict[str, TaskHandler] = {}

    def register(self, task_type: str, handler: TaskHandler) -> None:
        """Make ``handler`` run every job of ``task_type``."""
        if task_type in self._handlers:
            raise ValueError(f"task type {task_type!r} already has a handler")
        self._handlers[task_type] = handler

    def types(self) -> frozenset[str]:
        """The task types that have an in-process handler."""
        return frozenset(self._handlers)

    def find(self, task_type: str | None) -> TaskHandler | None:
        """The handler of ``task_type``, if one is registered."""
        return self._handlers.get(task_type or "")


@dataclass
class ExecutorReport:
    """What the executor did: jobs completed, failed (to retry), turned into incidents, raced."""

    completed: int = 0
    failed: int = 0
    incidents: int = 0
    conflicts: int = 0

    @property
    def claimed(self) -> int:
        """All jobs handled in the run."""
        return self.completed + self.failed + self.incidents + self.conflicts


@dataclass
class JobExecutor:
    """Claims due jobs and runs them; call ``run_due`` from a loop or a test."""

    bus: MessageBus
    services: ProcessServices
    handlers: TaskHandlers
    owner: str = field(default_factory=lambda: f"executor-{uuid.uuid4().hex[:8]}")
    lock_for: dt.timedelta = dt.timedelta(minutes=5)
    retry_delay: dt.timedelta = dt.timedelta(seconds=30)
    batch: int = 20

    def run_due(self) -> ExecutorReport:
        """Claim one batch of due jobs and run each."""
        with self.bus.unit_of_work() as uow:
            claimed = JobQueue(uow.connection).claim_due(
                uow.clock.now(), self.owner, self.lock_for, self.batch,
                job_types=self.handlers.types() | {ASYNC_JOB_TYPE},
            )  # fmt: skip
            uow.commit()
        report = ExecutorReport()
        for job in claimed:
            self._run(job, report)
        return report

    def run_until_idle(self, max_batches: int = 100) -> ExecutorReport:
        """Run batches until nothing is due (jobs created by jobs included)."""
        total = ExecutorReport()
        for _ in range(max_batches):
            report = self.run_due()
            if report.claimed == 0:
                break
            for name in ("completed", "failed", "incidents", "conflicts"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
        return total

    def next_due_at(self) -> dt.datetime | None:
        """When the next job or timer is due (for a fake clock to skip to)."""
        with self.bus.unit_of_work() as uow:
            return JobQueue(uow.connection).next_due_at()

    def _run(self, job: ClaimedJob, report: ExecutorReport) -> None:
        with self.bus.unit_of_work() as uow:
            record = InstanceStore(uow.connection, job.tenant_id).get(job.instance_id)
            definitions = self.services.definitions(uow, job.tenant_id, record.definition_id)
        step, outcome = self._decide(job, record, definitions)
        try:
            with self.bus.unit_of_work() as uow:
                saved = self.services.apply(uow, record, step, {})
                if outcome == "failed" and job.local_id in saved.state.jobs:
                    if any(i.job_id == job.local_id for i in saved.state.incidents.values()):
                        outcome = "incidents"
                    else:
                        JobQueue(uow.connection).reschedule(
                            job.job_id, uow.clock.now() + self.retry_delay
                        )
                uow.commit()
        except ConcurrentModification:
            log.info("instance %s moved on while job %s ran", job.instance_id, job.local_id)
            outcome = "conflicts"
        setattr(report, outcome, getattr(report, outcome) + 1)

    def _decide(
        self, job: ClaimedJob, record: InstanceRecord, definitions: Definitions
    ) -> tuple[Step, str]:
        evaluator, clock = self.services.evaluator, self.bus.clock
        local_id = job.local_id
        if job.kind == TIMER:
            return (
                lambda d, s: fire_timer(d, s, local_id, clock, evaluator=evaluator)
            ), "completed"
        if job.type == ASYNC_JOB_TYPE:
            return _completion(local_id, {}, self), "completed"
        handler = self.handlers.find(job.type)
        if handler is None:
            return _failure(local_id, 0, f"no handler for task type {job.type!r}", self), "failed"
        state_job = record.state.jobs[local_id]
        token = record.state.tokens[state_job.token_id]
        variables = Execution(definitions, record.state, evaluator, clock.now()).visible(token)
        try:
            result = handler(variables, dict(state_job.headers))
        except BpmnError as error:
            return _thrown(local_id, error, self), "completed"
        except Exception as error:  # a failing handler must not stop the executor
            log.warning("job %s (%s) failed: %s", local_id, job.type, error)
            reason = f"{type(error).__name__}: {error}"
            return _failure(local_id, job.retries - 1, reason, self), "failed"
        return _completion(local_id, dict(result or {}), self), "completed"


def _thrown(local_id: str, error: BpmnError, executor: JobExecutor) -> Step:
    def step(d: Definitions, s: InstanceState) -> StepResult:
        return throw_bpmn_error(
            d, s, local_id, error.code, executor.bus.clock,
            evaluator=executor.services.evaluator, message=error.message,
            variables=error.variables,
        )  # fmt: skip

    return step


def _completion(local_id: str, variables: dict[str, Any], executor: JobExecutor) -> Step:
    def step(d: Definitions, s: InstanceState) -> StepResult:
        return complete_job(
            d, s, local_id, variables, executor.bus.clock, evaluator=executor.services.evaluator
        )

    return step


def _failure(local_id: str, retries: int, message: str, executor: JobExecutor) -> Step:
    def step(d: Definitions, s: InstanceState) -> StepResult:
        return fail_job(
            d, s, local_id, max(retries, 0), message, executor.bus.clock,
            evaluator=executor.services.evaluator,
        )  # fmt: skip

    return step
