"""External task workers: fetch and lock jobs by topic, then complete, fail or throw errors.

Workers run outside Kontor (Camunda-7 style). A worker reports only on tasks it holds an
unexpired lock for. Its result is applied like the job executor's, but a result is never
asked for twice: when the instance moved on meanwhile (another branch completed), the same
result is applied again to the newer state.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kontor.messaging import HandlerRegistry, UnitOfWork
from kontor.process import messages as msg
from kontor.process.bpmn import Definitions
from kontor.process.runtime import (
    InstanceState,
    StepResult,
    complete_job,
    fail_job,
    throw_bpmn_error,
)
from kontor.process.runtime.activities import ASYNC_JOB_TYPE, DECISION_JOB_TYPE
from kontor.process.runtime.execution import Execution
from kontor.process.service import ProcessServices, Step
from kontor.process.store import InstanceRecord, InstanceStore
from kontor.process.store.external_tasks import ExternalTaskQueue, ExternalTaskRow
from kontor.process.task_handlers import TaskHandlers

log = logging.getLogger(__name__)

_ENGINE_JOB_TYPES = frozenset({ASYNC_JOB_TYPE, DECISION_JOB_TYPE})
"""Jobs the engine runs itself; workers never see them."""


@dataclass(frozen=True)
class LockedTask:
    """A task handed to a worker: where it runs, its input and until when the lock holds."""

    job_id: str
    instance_id: str
    process_key: str
    business_key: str | None
    element_id: str
    topic: str
    retries: int
    headers: dict[str, str]
    variables: dict[str, Any]
    idempotency_key: str
    locked_until: dt.datetime


@dataclass
class ExternalTasks:
    """Handlers of the external-task commands."""

    services: ProcessServices
    handlers: TaskHandlers

    def lock(self, command: msg.LockExternalTasks, uow: UnitOfWork) -> list[LockedTask]:
        """Lock due tasks of the requested topics for the worker and hand them out."""
        now = uow.clock.now()
        topics = {topic.name: topic for topic in command.topics}
        rows = ExternalTaskQueue(uow.connection, command.tenant_id).lock(
            command.worker_id,
            {name: dt.timedelta(milliseconds=t.lock_duration_ms) for name, t in topics.items()},
            command.max_tasks,
            now,
            in_process=self.handlers.types() | _ENGINE_JOB_TYPES,
            by_priority=command.use_priority,
        )
        store = InstanceStore(uow.connection, command.tenant_id)
        records: dict[str, InstanceRecord] = {}
        tasks = []
        for row in rows:
            record = records.get(row.instance_id) or store.get(row.instance_id)
            records[row.instance_id] = record
            wanted = topics[row.topic].variables
            tasks.append(self._offer(uow, record, row, wanted))
        return tasks

    def complete(self, command: msg.CompleteExternalTask, uow: UnitOfWork) -> None:
        """Complete a locked task with the worker's result and move the instance on."""
        task = self._held(command.job_id, command.worker_id, command.tenant_id, uow)

        def step(definitions: Definitions, state: InstanceState) -> StepResult:
            return complete_job(
                definitions, state, task.local_id, command.variables, uow.clock,
                evaluator=self.services.evaluator,
            )  # fmt: skip

        self._apply(uow, command.tenant_id, task, step, command.caused())

    def fail(self, command: msg.FailExternalTask, uow: UnitOfWork) -> None:
        """Record a failure: offer the task again after the timeout, or raise an incident."""
        task = self._held(command.job_id, command.worker_id, command.tenant_id, uow)

        def step(definitions: Definitions, state: InstanceState) -> StepResult:
            return fail_job(
                definitions, state, task.local_id, command.retries, command.error_message,
                uow.clock, evaluator=self.services.evaluator,
            )  # fmt: skip

        saved = self._apply(uow, command.tenant_id, task, step, command.caused())
        queue = ExternalTaskQueue(uow.connection, command.tenant_id)
        if _has_incident(saved.state, task.local_id):
            queue.record_error(task.job_id, command.error_message)
        else:
            due = uow.clock.now() + dt.timedelta(milliseconds=command.retry_timeout_ms)
            queue.retry_later(task.job_id, due, command.error_message)

    def throw_error(self, command: msg.ThrowExternalTaskError, uow: UnitOfWork) -> None:
        """Throw the worker's BPMN error at the task; uncaught, it becomes an incident."""
        task = self._held(command.job_id, command.worker_id, command.tenant_id, uow)

        def step(definitions: Definitions, state: InstanceState) -> StepResult:
            return throw_bpmn_error(
                definitions, state, task.local_id, command.error_code, uow.clock,
                evaluator=self.services.evaluator, message=command.message,
                variables=command.variables,
            )  # fmt: skip

        saved = self._apply(uow, command.tenant_id, task, step, command.caused())
        if _has_incident(saved.state, task.local_id):
            reason = f"{command.error_code}: {command.message}".rstrip(": ")
            ExternalTaskQueue(uow.connection, command.tenant_id).record_error(task.job_id, reason)

    def extend_lock(self, command: msg.ExtendExternalTaskLock, uow: UnitOfWork) -> dt.datetime:
        """Extend the worker's lock on a task; return when it now expires."""
        task = self._held(command.job_id, command.worker_id, command.tenant_id, uow)
        until = uow.clock.now() + dt.timedelta(milliseconds=command.lock_duration_ms)
        ExternalTaskQueue(uow.connection, command.tenant_id).extend(task.job_id, until)
        return until

    def unlock(self, command: msg.UnlockExternalTask, uow: UnitOfWork) -> None:
        """Release the lock on a task so that any worker may fetch it again."""
        ExternalTaskQueue(uow.connection, command.tenant_id).unlock(command.job_id)

    def _held(
        self, job_id: str, worker_id: str, tenant_id: str, uow: UnitOfWork
    ) -> ExternalTaskRow:
        return ExternalTaskQueue(uow.connection, tenant_id).held(job_id, worker_id, uow.clock.now())

    def _apply(
        self,
        uow: UnitOfWork,
        tenant_id: str,
        task: ExternalTaskRow,
        step: Step,
        envelope: dict[str, Any],
    ) -> InstanceRecord:
        # The task's row stays locked by this transaction, so only the instance can have moved;
        # ``apply`` then applies the worker's result to the newer state.
        record = InstanceStore(uow.connection, tenant_id).get(task.instance_id)
        return self.services.apply(uow, record, step, envelope)

    def _offer(
        self,
        uow: UnitOfWork,
        record: InstanceRecord,
        row: ExternalTaskRow,
        wanted: list[str] | None,
    ) -> LockedTask:
        job = record.state.jobs[row.local_id]
        definitions = self.services.definitions(uow, record.tenant_id, record.definition_id)
        execution = Execution(definitions, record.state, self.services.evaluator, uow.clock.now())
        visible = execution.visible(record.state.tokens[job.token_id])
        variables = visible if wanted is None else _only(visible, wanted)
        assert row.locked_until is not None  # just locked
        return LockedTask(
            row.job_id, row.instance_id, record.process_key, record.business_key, row.element_id,
            row.topic, row.retries, dict(job.headers), variables, row.idempotency_key,
            row.locked_until,
        )  # fmt: skip


def _only(variables: Mapping[str, Any], names: list[str]) -> dict[str, Any]:
    return {name: variables[name] for name in names if name in variables}


def _has_incident(state: InstanceState, job_local_id: str) -> bool:
    return any(incident.job_id == job_local_id for incident in state.incidents.values())


def register_external_tasks(
    registry: HandlerRegistry, services: ProcessServices, handlers: TaskHandlers
) -> ExternalTasks:
    """Register the external-task commands; ``handlers`` name the types workers never see."""
    tasks = ExternalTasks(services, handlers)
    registry.register_command(msg.LockExternalTasks, tasks.lock)
    registry.register_command(msg.CompleteExternalTask, tasks.complete)
    registry.register_command(msg.FailExternalTask, tasks.fail)
    registry.register_command(msg.ThrowExternalTaskError, tasks.throw_error)
    registry.register_command(msg.ExtendExternalTaskLock, tasks.extend_lock)
    registry.register_command(msg.UnlockExternalTask, tasks.unlock)
    return tasks
