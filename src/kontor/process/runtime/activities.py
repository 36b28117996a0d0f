"""Behaviour of activities: tasks, embedded sub-processes, call activities."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kontor.process.bpmn.model import FlowNode, NodeKind, StandardLoop
from kontor.process.bpmn.validation_rules import job_type_fallback
from kontor.process.runtime import ad_hoc, compensation, data, events, multi_instance
from kontor.process.runtime.effects import (
    ActivityCompleted,
    CallActivityStarted,
    JobCreated,
    UserTaskActivated,
)
from kontor.process.runtime.errors import Stuck
from kontor.process.runtime.state import Job, Scope, ScopeKind, Token, UserTask, Wait

if TYPE_CHECKING:
    from kontor.process.runtime.execution import Execution

DECISION_JOB_TYPE = "kontor.decision"
"""Job type for business-rule tasks with ``zeebe:calledDecision``; the service layer runs DMN."""

ASYNC_JOB_TYPE = "kontor.async-continuation"
"""Job type of async continuations (Camunda 7 ``asyncBefore``/``asyncAfter``)."""

ASYNC_BEFORE = "async_before"
ASYNC_AFTER = "async_after"

_PASS_THROUGH = frozenset({NodeKind.TASK, NodeKind.MANUAL_TASK})
_JOB_KINDS = frozenset({NodeKind.SERVICE_TASK, NodeKind.SEND_TASK})


def enter(ex: Execution, token: Token, node: FlowNode) -> None:
    """Activate an activity for ``token`` (after an async-before job if the model asks)."""
    if node.extensions.async_before and not ex.is_inner_instance(token):
        # Commit here; a job executor continues in a transaction of its own.
        create_job(ex, token, node, ASYNC_JOB_TYPE, purpose=ASYNC_BEFORE)
        return
    continue_activation(ex, token, node)


def continue_activation(ex: Execution, token: Token, node: FlowNode) -> None:
    """Activate an activity, past any async-before boundary."""
    first_round = token.loop_counter is None
    if isinstance(node.loop, StandardLoop):
        if first_round:
            token.loop_counter = 0
            if node.loop.test_before and not _loop_goes_on(ex, token, node.loop):
                ex.complete_node(token, node)  # a while-loop may run zero times
                return
        token.loop_counter = (token.loop_counter or 0) + 1
        token.locals["loopCounter"] = token.loop_counter
    if node.multi_instance is not None and first_round:
        multi_instance.enter_body(ex, token, node)
    else:
        _apply_inputs(ex, token, node)
        _activate(ex, token, node)
    if isinstance(node.loop, StandardLoop) and not first_round:
        return  # boundary events stay armed across the rounds of a loop
    # Boundary events listen only while the activity itself waits: not after it completed
    # synchronously, not in an incident, not during an async-after continuation.
    is_waiting = (
        token.id in ex.state.tokens
        and token.element_id == node.id
        and token.wait not in (None, Wait.INCIDENT)
        and not any(
            job.token_id == token.id and job.purpose == ASYNC_AFTER
            for job in ex.state.jobs.values()
        )
    )
    if is_waiting and not ex.is_inner_instance(token):
        events.open_boundary_events(ex, token, node)


def _activate(ex: Execution, token: Token, node: FlowNode) -> None:
    kind = node.kind
    ext = node.extensions
    if kind in _PASS_THROUGH:
        complete_activity(ex, token, {})
    elif kind is NodeKind.USER_TASK:
        _activate_user_task(ex, token, node)
    elif kind is NodeKind.SERVICE_TASK and ext.script is not None and ext.task_definition is None:
        _run_script(ex, token, node)  # a Camunda 7 expression task (camunda:expression)
    elif kind in _JOB_KINDS or (
        kind in (NodeKind.SCRIPT_TASK, NodeKind.BUSINESS_RULE_TASK)
        and ext.task_definition is not None
    ):
        create_job(ex, token, node)
    elif kind is NodeKind.BUSINESS_RULE_TASK:
        _request_decision(ex, token, node)
    elif kind is NodeKind.SCRIPT_TASK:
        _run_script(ex, token, node)
    elif kind is NodeKind.RECEIVE_TASK:
        events.subscribe_message(ex, token, node, node.message_ref, "catch")
    elif kind in (NodeKind.SUB_PROCESS, NodeKind.TRANSACTION):
        scope = ex.open_scope(ScopeKind.SUB_PROCESS, node.id, token, dict(token.locals))
        token.locals = {}
        ex.start_in_scope(scope, node.id)
    elif kind is NodeKind.AD_HOC_SUB_PROCESS:
        ad_hoc.enter(ex, token, node)
    elif kind is NodeKind.CALL_ACTIVITY:
        _call(ex, token, node)
    else:  # validation rejects the rest at deploy time; be explicit if one slips through
        raise Stuck(f"{kind.value} is not supported by the runtime")


MAX_LOOP_ROUNDS = 10_000
"""Guard against standard loops that never end (no loopMaximum, condition always true)."""


def _loop_goes_on(ex: Execution, token: Token, loop: StandardLoop) -> bool:
    rounds = token.loop_counter or 0
    if loop.loop_maximum is not None and rounds >= loop.loop_maximum:
        return False
    if rounds >= MAX_LOOP_ROUNDS:
        raise Stuck(f"loop of '{token.element_id}' ran {rounds} rounds without ending")
    if loop.loop_condition is None:
        return loop.loop_maximum is not None
    counters = {"loopCounter": rounds}
    return ex.evaluate(token, loop.loop_condition, counters) is True


def _apply_inputs(ex: Execution, token: Token, node: FlowNode) -> None:
    mapping = node.extensions.io_mapping
    if mapping is not None:
        for variable in mapping.inputs:
            token.locals[variable.target] = ex.evaluate(token, variable.source)
    if node.data_inputs:
        data.associate_inputs(ex, token, node.data_inputs)


def complete_activity(
    ex: Execution,
    token: Token,
    variables: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
    inner: Scope | None = None,
) -> None:
    """Finish an activity (``inner``: its finished sub-process scope): outputs, then flows."""
    node = ex.node_of(token)
    mapping = node.extensions.io_mapping
    if mapping is not None and mapping.outputs:
        # With output mappings, result variables stay local; only the targets propagate.
        view = {**(context or {}), **variables}
        for output in mapping.outputs:
            value = ex.evaluate(token, output.source, view)
            ex.set_variable(token.scope_id, output.target, value)
    else:
        ex.merge_into(token, variables)
    if node.data_outputs:
        data.associate_outputs(ex, token, node.data_outputs, {**(context or {}), **variables})
    token.wait = None
    if ex.process.has_compensation:
        compensation.remember(ex, token, node, inner)
    if ex.is_inner_instance(token):
        multi_instance.inner_completed(ex, token, node)
        return
    if isinstance(node.loop, StandardLoop) and _loop_goes_on(ex, token, node.loop):
        # Re-enter through the agenda, not recursively: synchronous loops stay flat.
        ex.effects.append(ActivityCompleted(node.id, node.kind.value, token.id, ex.stamp()))
        ex.schedule(token)
        return
    ex.cancel_waits(token.id)
    scope_id = token.scope_id
    completes_ad_hoc = ad_hoc.completion_reached(ex, token)
    if node.extensions.async_after:
        ex.effects.append(ActivityCompleted(node.id, node.kind.value, token.id, ex.stamp()))
        create_job(ex, token, node, ASYNC_JOB_TYPE, purpose=ASYNC_AFTER)
    else:
        ex.complete_node(token, node)
    if completes_ad_hoc:
        ad_hoc.finish(ex, scope_id)


def complete_job_wait(
    ex: Execution, token: Token, purpose: str, variables: Mapping[str, Any]
) -> None:
    """A job of the token finished: continue according to why the job existed."""
    node = ex.node_of(token)
    token.wait = None
    if purpose == ASYNC_BEFORE:
        ex.merge_into(token, variables)
        continue_activation(ex, token, node)
    elif purpose == ASYNC_AFTER:
        ex.merge_into(token, variables)
        ex.take_flows(token, node.outgoing)
    else:
        complete_activity(ex, token, variables)


def _activate_user_task(ex: Execution, token: Token, node: FlowNode) -> None:
    ext = node.extensions
    assignment = ext.assignment
    schedule = ext.schedule

    def text(value: Any) -> str | None:
        return None if value is None else _as_text(ex.evaluate(token, value))

    task = UserTask(
        id=ex.state.new_id("task"),
        token_id=token.id,
        element_id=node.id,
        created_at=ex.stamp(),
    )
    ex.state.user_tasks[task.id] = task
    token.wait = Wait.USER_TASK
    priority = text(ext.priority)
    ex.effects.append(
        UserTaskActivated(
            task_id=task.id,
            element_id=node.id,
            name=node.name,
            assignee=text(assignment.assignee) if assignment else None,
            candidate_groups=_as_list(
                ex.evaluate(token, assignment.candidate_groups)
                if assignment and assignment.candidate_groups
                else None
            ),
            candidate_users=_as_list(
                ex.evaluate(token, assignment.candidate_users)
                if assignment and assignment.candidate_users
                else None
            ),
            due_date=text(schedule.due_date) if schedule else None,
            follow_up_date=text(schedule.follow_up_date) if schedule else None,
            priority=int(priority) if priority not in (None, "") else None,
            form_key=ext.form_key,
            variables=ex.visible(token),
        )
    )


def create_job(
    ex: Execution,
    token: Token,
    node: FlowNode,
    job_type: str | None = None,
    headers: dict[str, str] | None = None,
    purpose: str = "task",
) -> Job:
    """Create a job for the token's activity and wait for a worker."""
    definition = node.extensions.task_definition
    if job_type is None:
        job_type = (
            _as_text(ex.evaluate(token, definition.type))
            if definition is not None
            else job_type_fallback(node)
        ) or job_type_fallback(node)
    retries = 3
    if definition is not None and purpose == "task":
        retries = int(ex.evaluate(token, definition.retries))
    priority = _task_priority(ex, token, node) if purpose == "task" else 0
    job = Job(
        id=ex.state.new_id("job"),
        token_id=token.id,
        element_id=node.id,
        type=job_type,
        retries=retries,
        headers={**dict(node.extensions.task_headers), **(headers or {})},
        purpose=purpose,
        priority=priority,
    )
    ex.state.jobs[job.id] = job
    token.wait = Wait.JOB
    ex.effects.append(
        JobCreated(job.id, node.id, job.type, job.retries, dict(job.headers), ex.visible(token))
    )
    return job


def _task_priority(ex: Execution, token: Token, node: FlowNode) -> int:
    """The external task's priority (``camunda:taskPriority``, a number or an expression)."""
    value = node.extensions.task_priority
    if value is None:
        return 0
    result = ex.evaluate(token, value)
    try:
        return int(str(result).strip())
    except ValueError:
        raise Stuck(f"task priority {result!r} of {node.id} is not a whole number") from None


def _request_decision(ex: Execution, token: Token, node: FlowNode) -> None:
    decision = node.extensions.called_decision
    headers: dict[str, str] = {}
    if decision is not None:
        headers["decisionId"] = _as_text(ex.evaluate(token, decision.decision_id)) or ""
        if decision.result_variable:
            headers["resultVariable"] = decision.result_variable
    create_job(ex, token, node, DECISION_JOB_TYPE if decision else None, headers)


def _run_script(ex: Execution, token: Token, node: FlowNode) -> None:
    script = node.extensions.script
    if script is None:
        complete_activity(ex, token, {})
        return
    result = ex.evaluate(token, script.body)
    if script.result_variable:
        complete_activity(ex, token, {script.result_variable: result})
    elif isinstance(result, Mapping):
        # Script languages that assign variables report them as a mapping of updates.
        complete_activity(ex, token, dict(result))
    else:
        complete_activity(ex, token, {})


def _call(ex: Execution, token: Token, node: FlowNode) -> None:
    called = node.extensions.called_element
    process_id = _as_text(ex.evaluate(token, called.process_id)) if called else None
    variables = (
        ex.visible(token)
        if called is None or called.propagate_all_parent_variables
        else dict(token.locals)
    )
    token.wait = Wait.CALL_ACTIVITY
    ex.effects.append(CallActivityStarted(token.id, node.id, process_id or "", variables))


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _as_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    return tuple(part.strip() for part in str(value).split(",") if part.strip())
