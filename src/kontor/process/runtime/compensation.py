"""Compensation and transaction cancel (BPMN 2.0 §10.5.6, §10.3.1.7, §13.5.5).

A completed activity that can be undone leaves a ``Compensable`` record in the scope it ran
in: an activity with a compensation boundary event (its handler runs with the activity's local
variables as they were at completion), or a sub-process holding such records or a compensation
event sub-process (its scope variables are the snapshot). A compensation throw in a scope
undoes the scope's records — all of them, or those of its ``activityRef`` — one after the
other, newest first: a handler token, or the sub-process's scope re-opened with its snapshot to
run its compensation event sub-process or, by default, to undo its own records the same way.
A cancel end event ends the transaction's work, compensates it and then takes the cancel
boundary flow. Records vanish when compensated, when their scope is cancelled and when the
instance ends; everything lives in the instance state, so a restart continues where it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kontor.process.bpmn.model import EventKind, FlowNode, Process
from kontor.process.runtime import events
from kontor.process.runtime.effects import ActivityCompleted
from kontor.process.runtime.errors import Stuck
from kontor.process.runtime.state import (
    Compensable,
    CompensationRun,
    Scope,
    ScopeKind,
    Token,
    Wait,
    copy_json,
)

if TYPE_CHECKING:
    from kontor.process.runtime.execution import Execution


def handler_of(process: Process, activity_id: str) -> str | None:
    """The compensation handler associated with ``activity_id``'s compensation boundary."""
    for boundary in process.boundary_events(activity_id):
        if boundary.event_kind is EventKind.COMPENSATION:
            return process.compensation_handlers.get(boundary.id)
    return None


def compensation_start(process: Process, container_id: str) -> FlowNode | None:
    """The start event of the compensation event sub-process inside ``container_id``."""
    for sub in process.event_sub_processes(container_id):
        for start in process.start_events(sub.id):
            if start.event_kind is EventKind.COMPENSATION:
                return start
    return None


# -- remembering completed activities -----------------------------------------------------------


def remember(ex: Execution, token: Token, node: FlowNode, inner: Scope | None) -> None:
    """Record a completed activity instance if it can be compensated later."""
    if node.is_for_compensation:
        return
    state = ex.state
    handler = handler_of(ex.process, node.id)
    if handler is not None:
        if inner is not None:
            discard_scope(ex, inner.id)  # the handler replaces the default compensation
        _add(ex, token.scope_id, node.id, handler_id=handler, variables=token.locals)
        return
    if inner is None:
        return
    holds = any(row.scope_id == inner.id for row in state.compensables.values())
    if holds or compensation_start(ex.process, node.id) is not None:
        _add(
            ex,
            token.scope_id,
            node.id,
            inner_scope=inner,
            variables=inner.variables,
        )


def remember_body(ex: Execution, parent: Token, node: FlowNode, body: Scope) -> None:
    """A multi-instance body completed: keep its instances' records under one record."""
    if any(row.scope_id == body.id for row in ex.state.compensables.values()):
        _add(ex, parent.scope_id, node.id, inner_scope=body, variables={})


def _add(
    ex: Execution,
    scope_id: str,
    element_id: str,
    handler_id: str | None = None,
    inner_scope: Scope | None = None,
    variables: dict[str, object] | None = None,
) -> None:
    state = ex.state
    record = Compensable(
        id=state.new_id("compensable"),
        order=state.next_id,
        scope_id=scope_id,
        element_id=element_id,
        handler_id=handler_id,
        inner_scope_id=inner_scope.id if inner_scope is not None else None,
        inner_kind=inner_scope.kind.value if inner_scope is not None else None,
        variables=copy_json(variables or {}),
    )
    state.compensables[record.id] = record


def discard_scope(ex: Execution, scope_id: str) -> None:
    """Forget the records of a scope (and of the scopes they hold) and its runs."""
    state = ex.state
    for record in [row for row in state.compensables.values() if row.scope_id == scope_id]:
        del state.compensables[record.id]
        if record.inner_scope_id is not None:
            discard_scope(ex, record.inner_scope_id)
    for run in [
        row
        for row in state.compensation_runs.values()
        if scope_id in (row.scope_id, row.inner_scope_id)
    ]:
        state.compensation_runs.pop(run.id, None)


def drop_runs(ex: Execution, scope_id: str) -> None:
    """Forget compensation running in a scope whose work is being cancelled."""
    runs = ex.state.compensation_runs
    for run in [row for row in runs.values() if row.scope_id == scope_id]:
        runs.pop(run.id, None)


def follow_migration(ex: Execution, moved: Callable[[str], str]) -> None:
    """Records follow a version migration: mapped ids and the target's handlers, else dropped."""
    state = ex.state
    for record in list(state.compensables.values()):
        new_id = moved(record.element_id)
        handler = handler_of(ex.process, new_id) if record.handler_id is not None else None
        if new_id not in ex.process.nodes or (record.handler_id is not None and handler is None):
            state.compensables.pop(record.id, None)
            if record.inner_scope_id is not None:
                discard_scope(ex, record.inner_scope_id)
            continue
        record.element_id = new_id
        record.handler_id = handler


def _records_of(ex: Execution, scope_id: str, activity_ref: str | None = None) -> list[str]:
    rows = [
        row
        for row in ex.state.compensables.values()
        if row.scope_id == scope_id and (activity_ref is None or row.element_id == activity_ref)
    ]
    return [row.id for row in sorted(rows, key=lambda row: row.order, reverse=True)]


# -- throwing ---------------------------------------------------------------------------------


def throw(ex: Execution, token: Token, node: FlowNode) -> None:
    """A compensation intermediate throw or end event was reached."""
    scope = ex.state.scopes[token.scope_id]
    target = scope.id
    if scope.kind is ScopeKind.EVENT_SUB_PROCESS and scope.parent_id is not None:
        target = scope.parent_id  # an event sub-process compensates its parent's activities
    pending = _records_of(ex, target, node.event.activity_ref)
    if not pending:
        ex.complete_node(token, node)
        return
    waits = node.event.wait_for_completion
    run = _open_run(ex, target, pending, thrower_token_id=token.id if waits else None)
    if waits:
        token.wait = Wait.COMPENSATION  # the run's end moves the thrower on
    _advance(ex, run)
    if not waits:
        ex.complete_node(token, node)


def cancel_transaction(ex: Execution, token: Token, node: FlowNode) -> None:
    """A cancel end event: end the transaction's work, compensate it, then the cancel flow."""
    ex.effects.append(ActivityCompleted(node.id, node.kind.value, token.id, ex.stamp()))
    scope_id = token.scope_id
    del ex.state.tokens[token.id]
    ex.terminate_scope_content(scope_id)
    ex.cancel_scope_waits(scope_id)
    host = ex.state.tokens.get(ex.state.scopes[scope_id].parent_token_id or "")
    if host is not None and ex.is_inner_instance(host):
        _cancel_multi_instance_transaction(ex, host, scope_id)
        return
    _advance(ex, _open_run(ex, scope_id, _records_of(ex, scope_id), cancel=True))


def _cancel_multi_instance_transaction(ex: Execution, instance: Token, scope_id: str) -> None:
    """A cancel end event in one instance of a multi-instance transaction cancels them all (as
    Camunda 7 does): the other running instances end, the cancelled instance's work is
    compensated, then every completed instance's, newest first; then the cancel boundary
    event of the multi-instance activity."""
    body_id = instance.scope_id
    for other in ex.tokens_in_scope(body_id):
        if other.id != instance.id:
            ex.terminate_token(other)
    whole = _open_run(ex, body_id, _records_of(ex, body_id), cancel=True)
    _advance(ex, _open_run(ex, scope_id, _records_of(ex, scope_id), parent_run_id=whole.id))


def _open_run(ex: Execution, scope_id: str, pending: list[str], **fields: Any) -> CompensationRun:
    """A new compensation run of ``scope_id`` over ``pending`` records, kept in the state."""
    run = CompensationRun(
        id=ex.state.new_id("compensation"), scope_id=scope_id, pending=pending, **fields
    )
    ex.state.compensation_runs[run.id] = run
    return run


# -- running ----------------------------------------------------------------------------------


def _advance(ex: Execution, run: CompensationRun) -> None:
    """Start undoing the next record of ``run``, or finish it."""
    state = ex.state
    while run.pending:
        record = state.compensables.pop(run.pending.pop(0), None)
        if record is None:
            continue
        if record.handler_id is not None:
            handler = ex.new_token(
                record.scope_id, record.handler_id, locals=copy_json(record.variables)
            )
            run.handler_token_id = handler.id
            ex.schedule(handler)
            return
        if record.inner_scope_id is None:
            continue
        inner = Scope(
            id=record.inner_scope_id,
            kind=ScopeKind(record.inner_kind or ScopeKind.SUB_PROCESS.value),
            element_id=record.element_id,
            parent_id=record.scope_id,
            parent_token_id=None,
            variables=copy_json(record.variables),
        )
        state.scopes[inner.id] = inner
        run.inner_scope_id = inner.id
        start = (
            compensation_start(ex.process, record.element_id)
            if inner.kind is ScopeKind.SUB_PROCESS
            else None
        )
        if start is not None:
            events.start_event_sub_process(ex, inner, start, {})
            return
        nested_pending = _records_of(ex, inner.id)
        if nested_pending:
            _advance(ex, _open_run(ex, inner.id, nested_pending, parent_run_id=run.id))
            return
        _close_inner(ex, run)
    _finish(ex, run)


def _close_inner(ex: Execution, run: CompensationRun) -> None:
    if run.inner_scope_id is not None:
        discard_scope(ex, run.inner_scope_id)
        ex.state.compensation_runs[run.id] = run  # discard_scope drops runs naming the scope
        ex.state.scopes.pop(run.inner_scope_id, None)
        run.inner_scope_id = None


def _finish(ex: Execution, run: CompensationRun) -> None:
    state = ex.state
    state.compensation_runs.pop(run.id, None)
    if run.parent_run_id is not None:
        parent = state.compensation_runs.get(run.parent_run_id)
        if parent is not None:
            _close_inner(ex, parent)
            _advance(ex, parent)
        return
    if run.cancel:
        _take_cancel_boundary(ex, run.scope_id)
        return
    if run.thrower_token_id is not None:
        thrower = state.tokens.get(run.thrower_token_id)
        if thrower is not None and thrower.wait is Wait.COMPENSATION:
            thrower.wait = None
            ex.complete_node(thrower, ex.node_of(thrower))
        return
    ex.check_scope_done(run.scope_id)


def _take_cancel_boundary(ex: Execution, scope_id: str) -> None:
    scope = ex.state.scopes.get(scope_id)
    if scope is None or scope.parent_token_id is None:
        return
    host = ex.state.tokens[scope.parent_token_id]
    boundary = next(
        (
            b
            for b in ex.process.boundary_events(host.element_id)
            if b.event_kind is EventKind.CANCEL
        ),
        None,
    )
    if boundary is None:  # validation requires one; be explicit if one slips through
        raise Stuck(f"transaction '{host.element_id}' has no cancel boundary event")
    outer = host.scope_id
    ex.terminate_token(host)
    events.start_boundary_path(ex, boundary, outer, {})


# -- hooks for the token engine ------------------------------------------------------------------


def handler_done(ex: Execution, token: Token) -> bool:
    """A token reached its end: if it ran a compensation handler, continue that run."""
    for run in ex.state.compensation_runs.values():
        if run.handler_token_id == token.id:
            ex.state.tokens.pop(token.id, None)
            run.handler_token_id = None
            _advance(ex, run)
            return True
    return False


def scope_done(ex: Execution, scope: Scope) -> bool:
    """A scope ran out of work: True if compensation keeps it (busy) or took it over."""
    for run in list(ex.state.compensation_runs.values()):
        if run.scope_id == scope.id:
            return True  # handlers still to come
        if run.inner_scope_id == scope.id:
            _close_inner(ex, run)  # its compensation event sub-process ended
            _advance(ex, run)
            return True
    return False
