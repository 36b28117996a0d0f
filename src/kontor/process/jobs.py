"""The job executor: claims due timers, async continuations and service-task jobs and runs them.

Service tasks run in-process handlers registered by task type; job types without one are left
to external workers. A handler runs outside any transaction; its result is applied later.
When the instance was suspended meanwhile, the result is parked in its state and applied on
resume: the handler does not run again.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.trace import SpanKind

from kontor.messaging import MessageBus, UnitOfWork
from kontor.messaging.tracing import span, tracing_is_on
from kontor.process.bpmn import Definitions
from kontor.process.errors import StepStopped
from kontor.process.runtime import (
    Effect,
    InstanceState,
    RuntimeCommandError,
    StepResult,
    complete_job,
    fail_job,
    fire_timer,
    throw_bpmn_error,
)
from kontor.process.runtime.activities import ASYNC_JOB_TYPE
from kontor.process.runtime.control import (
    PARKED_JOB,
    PARKED_JOB_ERROR,
    PARKED_JOB_FAILURE,
    park,
)
from kontor.process.runtime.state import ParkedCompletion
from kontor.process.service import ProcessServices, Step
from kontor.process.start_timers import fire_due_start_timers
from kontor.process.store import TIMER, ClaimedJob, InstanceRecord, InstanceStore, JobQueue
from kontor.process.task_handlers import (
    BpmnError,
    TaskHandlers,
    handler_input,
)

log = logging.getLogger(__name__)


@dataclass
class ExecutorReport:
    """What the executor did: jobs completed, failed (to retry), turned into incidents, stale."""

    completed: int = 0
    failed: int = 0
    incidents: int = 0
    conflicts: int = 0

    @property
    def claimed(self) -> int:
        """All jobs handled in the run."""
        return self.completed + self.failed + self.incidents + self.conflicts

    def add(self, other: ExecutorReport) -> None:
        """Count ``other``'s jobs in this report too."""
        for name in ("completed", "failed", "incidents", "conflicts"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Outcome:
    """One claimed job, the step that applies its handler's result and how it ended."""

    job: ClaimedJob
    step: Step
    outcome: str
    applied: str = "conflicts"


@dataclass
class _InstanceWork:
    """The claimed jobs of one instance, applied together in one save."""

    record: InstanceRecord
    definitions: Definitions
    outcomes: list[_Outcome] = field(default_factory=list)


@dataclass
class JobExecutor:
    """Claims due jobs and runs them; call ``run_due`` from a loop or a test.

    A batch is claimed in one transaction, the handlers run outside any transaction, and all
    their results are applied in one more transaction (one save per instance). When an
    instance moved meanwhile, the results are applied again to its new state: a handler never
    runs twice because of a concurrent change.
    """

    bus: MessageBus
    services: ProcessServices
    handlers: TaskHandlers
    owner: str = field(default_factory=lambda: f"executor-{uuid.uuid4().hex[:8]}")
    lock_for: dt.timedelta = dt.timedelta(minutes=5)
    retry_delay: dt.timedelta = dt.timedelta(seconds=30)
    batch: int = 20

    def run_due(self, *, start_timers: bool = True) -> ExecutorReport:
        """Claim one batch of due jobs, run each and apply the results; then the due start
        timers unless ``start_timers`` is false."""
        work = self._claim()
        for item in work:
            for outcome in item.outcomes:
                self._decide(item, outcome)
        report = self._apply(work)
        if start_timers:
            # Start timers belong to definitions, not instances: claimed and fired on their own.
            report.completed += fire_due_start_timers(
                self.bus, self.services, self.owner, self.lock_for, self.batch
            )
        return report

    def run_until_idle(
        self, max_batches: int = 100, *, start_timers: bool = True
    ) -> ExecutorReport:
        """Run batches until nothing is due (jobs created by jobs included)."""
        total = ExecutorReport()
        for _ in range(max_batches):
            report = self.run_due(start_timers=start_timers)
            if report.claimed == 0:
                break
            total.add(report)
        return total

    def run_announced(self, max_batches: int = 100) -> ExecutorReport:
        """Run the jobs a commit announced as due, batch by batch until one is not full; start
        timers, which become due with time rather than by a commit, wait for the next full
        round. Jobs that the batches' own commits make due announce themselves again: a
        batch that took everything due is not followed by a claim that finds nothing."""
        total = ExecutorReport()
        for _ in range(max_batches):
            report = self.run_due(start_timers=False)
            total.add(report)
            if report.claimed < self.batch:
                break
        return total

    def next_due_at(self) -> dt.datetime | None:
        """When the next job or timer is due (for a fake clock to skip to)."""
        with self.bus.unit_of_work() as uow:
            return JobQueue(uow.connection).next_due_at()

    def _claim(self) -> list[_InstanceWork]:
        with self.bus.unit_of_work() as uow:
            claimed = JobQueue(uow.connection).claim_due(
                uow.clock.now(), self.owner, self.lock_for, self.batch,
                job_types=self.handlers.types() | {ASYNC_JOB_TYPE},
            )  # fmt: skip
            by_tenant: dict[str, list[ClaimedJob]] = {}
            for job in claimed:
                by_tenant.setdefault(job.tenant_id, []).append(job)
            work: dict[str, _InstanceWork] = {}
            for tenant_id, jobs in by_tenant.items():
                records = InstanceStore(uow.connection, tenant_id).get_many(
                    {job.instance_id for job in jobs}
                )
                for job in jobs:
                    record = records.get(job.instance_id)
                    if record is None:
                        log.warning("job %s belongs to no instance", job.job_id)
                        continue
                    item = work.get(job.instance_id)
                    if item is None:
                        definitions = self.services.definitions(
                            uow, tenant_id, record.definition_id
                        )
                        item = work[job.instance_id] = _InstanceWork(record, definitions)
                    item.outcomes.append(_Outcome(job, _unchanged, "conflicts"))
            uow.commit()
        return list(work.values())

    def _apply(self, work: list[_InstanceWork]) -> ExecutorReport:
        try:
            with self.bus.unit_of_work() as uow:
                report = ExecutorReport()
                for item in work:
                    report.add(self._apply_instance(uow, item))
                uow.commit()
            return report
        except Exception:
            # One instance's results broke the shared transaction: apply each one alone, so
            # the others still land and only the broken one is retried when its lock expires.
            log.exception("applying a batch of %d instances failed; applying one by one", len(work))
        report = ExecutorReport()
        for item in work:
            try:
                with self.bus.unit_of_work() as uow:
                    single = self._apply_instance(uow, item)
                    uow.commit()
                report.add(single)
            except Exception:
                log.exception("applying the jobs of instance %s failed", item.record.instance_id)
        return report

    def _apply_instance(self, uow: UnitOfWork, item: _InstanceWork) -> ExecutorReport:
        report = ExecutorReport()
        first = item.outcomes[0].job
        try:
            with span("apply job results", parent=first.trace_parent, follows=True):
                saved = self.services.apply(uow, item.record, _all_of(item.outcomes), {})
        except StepStopped as stopped:
            # Cancelled or suspended meanwhile: the jobs stay claimed until their lock expires,
            # then run against the ended instance (nothing to do) or are parked for the resume.
            log.info("jobs of instance %s not applied: %s", item.record.instance_id, stopped)
            report.conflicts = len(item.outcomes)
            return report
        for outcome in item.outcomes:
            setattr(report, outcome.applied, getattr(report, outcome.applied) + 1)
        self._settle_failures(uow, saved, item.outcomes, report)
        return report

    def _settle_failures(
        self,
        uow: UnitOfWork,
        saved: InstanceRecord,
        outcomes: list[_Outcome],
        report: ExecutorReport,
    ) -> None:
        for outcome in outcomes:
            local_id = outcome.job.local_id
            if outcome.outcome != "failed" or local_id not in saved.state.jobs:
                continue
            if saved.state.suspended:
                continue  # the failure is parked; the job stays held until the resume
            if any(i.job_id == local_id for i in saved.state.incidents.values()):
                report.failed -= 1
                report.incidents += 1
            else:
                JobQueue(uow.connection).reschedule(
                    outcome.job.job_id, uow.clock.now() + self.retry_delay
                )

    def _decide(self, item: _InstanceWork, outcome: _Outcome) -> None:
        job = outcome.job
        if not tracing_is_on():
            self._run(item, outcome)
            return
        attributes = {
            "kontor.tenant_id": job.tenant_id,
            "kontor.process_instance_id": job.instance_id,
            "kontor.element_id": job.element_id,
            "kontor.job_kind": job.kind,
        }
        with span(
            f"job {job.type or job.kind}",
            parent=job.trace_parent,
            follows=True,
            kind=SpanKind.CONSUMER,
            attributes=attributes,
        ):
            self._run(item, outcome)

    def _run(self, item: _InstanceWork, outcome: _Outcome) -> None:
        record, job = item.record, outcome.job
        evaluator, clock = self.services.evaluator, self.bus.clock
        local_id = job.local_id
        outcome.outcome = "completed"
        if job.kind == TIMER:
            outcome.step = lambda d, s: fire_timer(d, s, local_id, clock, evaluator=evaluator)
            return
        if job.type == ASYNC_JOB_TYPE:
            outcome.step = _completion(local_id, {}, self)
            return
        state_job = record.state.jobs.get(local_id)
        handler = self.handlers.find(job.type)
        if state_job is None or handler is None:
            outcome.outcome = "conflicts"  # the job ended after it was claimed
            return
        if clock.now() >= job.locked_until - self.lock_for / 2:
            # The batch's earlier handlers took half the lock: this one might still run when the
            # lock has passed and another executor runs the job too. Left to be claimed again.
            log.info("job %s left for a new claim: its batch used half its lock", local_id)
            outcome.outcome = "conflicts"
            return
        variables, headers = handler_input(
            item.definitions, record.state, local_id, job.tenant_id, evaluator, clock.now()
        )
        try:
            result = handler(variables, headers)
        except BpmnError as error:
            outcome.step = _thrown(local_id, error, self)
            return
        except Exception as error:  # a failing handler must not stop the executor
            log.warning("job %s (%s) failed: %s", local_id, job.type, error)
            reason = f"{type(error).__name__}: {error}"
            outcome.step, outcome.outcome = (
                _failure(local_id, job.retries - 1, reason, self),
                "failed",
            )
            return
        outcome.step = _completion(local_id, dict(result or {}), self)


def _unchanged(definitions: Definitions, state: InstanceState) -> StepResult:
    return StepResult(state, [])


def _all_of(outcomes: list[_Outcome]) -> Step:
    """One step applying every job result of an instance; results of ended jobs are dropped."""

    def step(definitions: Definitions, state: InstanceState) -> StepResult:
        effects: list[Effect] = []
        for outcome in outcomes:
            try:
                result = outcome.step(definitions, state)
            except RuntimeCommandError as error:
                log.info("job %s result dropped: %s", outcome.job.local_id, error)
                outcome.applied = "conflicts"
                continue
            state = result.state
            effects.extend(result.effects)
            outcome.applied = outcome.outcome
        return StepResult(state, effects)

    return step


def _thrown(local_id: str, error: BpmnError, executor: JobExecutor) -> Step:
    def step(d: Definitions, s: InstanceState) -> StepResult:
        if s.suspended:
            parked = ParkedCompletion(
                PARKED_JOB_ERROR, local_id, dict(error.variables), error.code, error.message
            )
            return park(s, parked)
        return throw_bpmn_error(
            d, s, local_id, error.code, executor.bus.clock,
            evaluator=executor.services.evaluator, message=error.message,
            variables=error.variables,
        )  # fmt: skip

    return step


def _completion(local_id: str, variables: dict[str, Any], executor: JobExecutor) -> Step:
    def step(d: Definitions, s: InstanceState) -> StepResult:
        if s.suspended:  # the handler ran: keep its result for the resume, never run it again
            return park(s, ParkedCompletion(PARKED_JOB, local_id, variables))
        return complete_job(
            d, s, local_id, variables, executor.bus.clock, evaluator=executor.services.evaluator
        )

    return step


def _failure(local_id: str, retries: int, message: str, executor: JobExecutor) -> Step:
    def step(d: Definitions, s: InstanceState) -> StepResult:
        if s.suspended:
            kept = ParkedCompletion(
                PARKED_JOB_FAILURE, local_id, message=message, retries=max(retries, 0)
            )
            return park(s, kept)
        return fail_job(
            d, s, local_id, max(retries, 0), message, executor.bus.clock,
            evaluator=executor.services.evaluator,
        )  # fmt: skip

    return step
