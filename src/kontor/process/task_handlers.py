"""In-process service-task handlers by task type, and running the inline ones within a step.

A handler registered normally runs as a job of the executor: outside any transaction, its
result applied in a later one. A handler registered ``inline`` (fast, local work: a
calculation, a lookup in memory) runs inside the step that reached its service task, so the
instance moves on without a job round trip. Its result is kept by the job's idempotency key:
a step applied again (a concurrent change, a batch redone one by one) reuses the result and
never calls the handler twice in this process. When an inline handler fails, the job stays and
the executor retries it as usual.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from kontor.messaging import Clock
from kontor.process.bpmn import Definitions
from kontor.process.runtime import (
    InstanceState,
    StepResult,
    complete_job,
    throw_bpmn_error,
)
from kontor.process.runtime.activities import ASYNC_JOB_TYPE
from kontor.process.runtime.execution import Execution
from kontor.process.runtime.ports import ExpressionEvaluator
from kontor.process.store.derived import idempotency_key

log = logging.getLogger(__name__)

TaskHandler = Callable[[Mapping[str, Any], Mapping[str, str]], Mapping[str, Any] | None]
"""Runs a service task: (variables, headers) → result variables; raise ``BpmnError`` to throw."""

TENANT_HEADER = "kontor.tenantId"
"""Reserved header: the executor tells a handler the tenant of the job's instance under it."""

IDEMPOTENCY_HEADER = "kontor.idempotencyKey"
"""Reserved header: the job's idempotency key, the same on every run of the job.

A handler may run more than once (a worker killed before its result was saved runs again);
a handler with outside effects passes this key on so the other side can ignore repeats.
"""

INLINE_RUNS_PER_STEP = 1000
"""A step runs at most this many inline handlers; a loop beyond it goes on through jobs."""


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
        self._inline: set[str] = set()

    def register(self, task_type: str, handler: TaskHandler, *, inline: bool = False) -> None:
        """Make ``handler`` run every job of ``task_type`` (``inline``: within the step)."""
        if task_type in self._handlers:
            raise ValueError(f"task type {task_type!r} already has a handler")
        self._handlers[task_type] = handler
        if inline:
            self._inline.add(task_type)

    def types(self) -> frozenset[str]:
        """The task types that have an in-process handler."""
        return frozenset(self._handlers)

    def find(self, task_type: str | None) -> TaskHandler | None:
        """The handler of ``task_type``, if one is registered."""
        return self._handlers.get(task_type or "")

    def inline(self, task_type: str | None) -> TaskHandler | None:
        """The handler of ``task_type`` if it runs within the step, else None."""
        return self._handlers.get(task_type or "") if task_type in self._inline else None

    @property
    def any_inline(self) -> bool:
        """Whether some task type runs within the step."""
        return bool(self._inline)


def handler_input(
    definitions: Definitions,
    state: InstanceState,
    job_id: str,
    tenant_id: str,
    evaluator: ExpressionEvaluator,
    now: dt.datetime,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The variables and headers a handler of the job ``job_id`` is called with."""
    job = state.jobs[job_id]
    variables = Execution(definitions, state, evaluator, now).visible(state.tokens[job.token_id])
    reserved = {
        TENANT_HEADER: tenant_id,
        IDEMPOTENCY_HEADER: idempotency_key(state.instance_id, job_id),
    }
    return variables, {**job.headers, **reserved}


_Result = tuple[Mapping[str, Any], None] | tuple[None, BpmnError]


class InlineTasks:
    """Runs the inline handlers of the service tasks a step reached and applies their results."""

    def __init__(self, handlers: TaskHandlers, remembered: int = 4096) -> None:
        self.handlers = handlers
        self._results: OrderedDict[str, _Result] = OrderedDict()
        self._remembered = remembered

    def run(
        self,
        definitions: Definitions,
        tenant_id: str,
        before: InstanceState | None,
        result: StepResult,
        clock: Clock,
        evaluator: ExpressionEvaluator,
    ) -> StepResult:
        """``result`` with every new inline service task of the step run and completed."""
        if not self.handlers.any_inline or result.state.suspended:
            return result
        state, effects = result.state, list(result.effects)
        tried: set[str] = set(before.jobs) if before is not None else set()
        for _ in range(INLINE_RUNS_PER_STEP):
            job_id = self._next(state, tried)
            if job_id is None:
                break
            tried.add(job_id)
            outcome = self._outcome(definitions, tenant_id, state, job_id, evaluator, clock.now())
            if outcome is None:
                continue  # the handler failed: the job stays for the executor
            variables, error = outcome
            if error is not None:
                step = throw_bpmn_error(
                    definitions, state, job_id, error.code, clock, evaluator=evaluator,
                    message=error.message, variables=error.variables, owned=state is not before,
                )  # fmt: skip
            else:
                step = complete_job(
                    definitions, state, job_id, variables, clock, evaluator=evaluator,
                    owned=state is not before,  # a step that changed nothing returns its input
                )  # fmt: skip
            state = step.state
            effects.extend(step.effects)
        return StepResult(state, effects)

    def _next(self, state: InstanceState, tried: set[str]) -> str | None:
        parked = {incident.job_id for incident in state.incidents.values()}
        for job in state.jobs.values():
            if job.id in tried or job.id in parked or job.type == ASYNC_JOB_TYPE:
                continue
            if self.handlers.inline(job.type) is not None:
                return job.id
        return None

    def _outcome(
        self,
        definitions: Definitions,
        tenant_id: str,
        state: InstanceState,
        job_id: str,
        evaluator: ExpressionEvaluator,
        now: dt.datetime,
    ) -> _Result | None:
        key = idempotency_key(state.instance_id, job_id)
        known = self._results.get(key)
        if known is not None:
            return known
        job = state.jobs[job_id]
        handler = self.handlers.inline(job.type)
        assert handler is not None
        variables, headers = handler_input(definitions, state, job_id, tenant_id, evaluator, now)
        outcome: _Result
        try:
            outcome = (dict(handler(variables, headers) or {}), None)
        except BpmnError as error:
            outcome = (None, error)
        except Exception as error:  # the job stays; the executor retries it with its backoff
            log.warning("inline task %s (%s) failed: %s", key, job.type, error)
            return None
        self._results[key] = outcome
        if len(self._results) > self._remembered:
            self._results.popitem(last=False)
        return outcome
