"""Error and escalation propagation: the innermost catching boundary or event sub-process."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kontor.process.bpmn.model import EventDefinition, EventKind, FlowNode
from kontor.process.runtime import events
from kontor.process.runtime.effects import ActivityCompleted
from kontor.process.runtime.errors import Stuck
from kontor.process.runtime.state import ScopeKind, Token

if TYPE_CHECKING:
    from kontor.process.runtime.execution import Execution

_SCOPES_WITH_EVENT_SUB_PROCESSES = frozenset(
    {ScopeKind.PROCESS, ScopeKind.SUB_PROCESS, ScopeKind.EVENT_SUB_PROCESS}
)


@dataclass(frozen=True)
class _Handler:
    """Where an error is caught: a boundary on a host token, or an event sub-process start."""

    catcher: FlowNode
    host_token_id: str | None = None
    scope_id: str | None = None


def error_code_of(ex: Execution, node: FlowNode) -> str | None:
    """The error code an error end event throws (its error's code, else the error id)."""
    reference = node.event.error_ref
    error = ex.definitions.errors.get(reference or "")
    if error is not None and error.error_code:
        return error.error_code
    return reference


def throw_from_end_event(ex: Execution, token: Token, node: FlowNode) -> None:
    """An error end event was reached."""
    code = error_code_of(ex, node)
    handler = _find_handler(ex, token, code, own_boundaries=False)
    if handler is None:
        raise Stuck(f"unhandled BPMN error '{code}'", error_code=code or "")
    ex.effects.append(ActivityCompleted(node.id, node.kind.value, token.id, ex.stamp()))
    del ex.state.tokens[token.id]
    _run(ex, handler, {})


def throw_from_activity(
    ex: Execution, token: Token, code: str, variables: Mapping[str, Any]
) -> bool:
    """A worker threw an error for the token's activity; False if nothing catches it."""
    handler = _find_handler(ex, token, code, own_boundaries=True)
    if handler is None:
        return False
    _run(ex, handler, variables)
    return True


def escalation_code_of(ex: Execution, definition: EventDefinition) -> str | None:
    """The escalation code an escalation event definition raises."""
    reference = definition.escalation_ref
    escalation = ex.definitions.escalations.get(reference or "")
    if escalation is not None and escalation.escalation_code:
        return escalation.escalation_code
    return reference


def throw_escalation(ex: Execution, token: Token, node: FlowNode) -> None:
    """An escalation throw or end event was reached; uncaught escalations are ignored."""

    def leave() -> None:
        ex.effects.append(ActivityCompleted(node.id, node.kind.value, token.id, ex.stamp()))
        del ex.state.tokens[token.id]

    if not escalate(ex, token, escalation_code_of(ex, node.event), before_interrupting=leave):
        ex.complete_node(token, node)


def escalate(
    ex: Execution, token: Token, code: str | None, before_interrupting: Callable[[], None]
) -> bool:
    """Raise escalation ``code`` from where ``token`` is: to the innermost catching boundary or
    event sub-process; True if an interrupting one caught it (``before_interrupting`` ran
    first), False if a non-interrupting one did (it runs beside) or none (it is ignored)."""
    handler = _find_handler(ex, token, code, own_boundaries=False, kind=EventKind.ESCALATION)
    if handler is None:
        return False
    catcher = handler.catcher
    if catcher.cancel_activity if catcher.attached_to else catcher.is_interrupting:
        before_interrupting()
        _run(ex, handler, {})
        return True
    if handler.host_token_id is not None:
        host = ex.state.tokens[handler.host_token_id]
        events.start_boundary_path(ex, handler.catcher, host.scope_id, {})
    else:
        scope = ex.state.scopes[handler.scope_id or ""]
        events.start_event_sub_process(ex, scope, handler.catcher, {})
    return False


def _matches(ex: Execution, definition: EventDefinition, code: str | None, kind: EventKind) -> bool:
    if definition.kind is not kind:
        return False
    if kind is EventKind.ESCALATION:
        reference = definition.escalation_ref
        escalation = ex.definitions.escalations.get(reference or "")
        known = escalation.escalation_code if escalation is not None else None
    else:
        reference = definition.error_ref
        error = ex.definitions.errors.get(reference or "")
        known = error.error_code if error is not None else None
    if reference is None:
        return True  # a catch without a reference catches every code
    return (known or reference) == code


def _catching_boundary(
    ex: Execution, host: Token, code: str | None, kind: EventKind
) -> FlowNode | None:
    if ex.is_inner_instance(host):
        return None  # boundaries belong to the multi-instance body, checked one level up
    for boundary in ex.process.boundary_events(host.element_id):
        if _catches(ex, boundary, code, kind):
            return boundary
    return None


def _catches(ex: Execution, catcher: FlowNode, code: str | None, kind: EventKind) -> bool:
    """Whether one of the catch event's definitions catches ``code`` (any of a multiple's)."""
    definitions = catcher.event_definitions or (catcher.event,)
    return any(_matches(ex, definition, code, kind) for definition in definitions)


def _catching_start(
    ex: Execution, container_id: str, code: str | None, kind: EventKind
) -> FlowNode | None:
    for sub in ex.process.event_sub_processes(container_id):
        for start in ex.process.start_events(sub.id):
            if _catches(ex, start, code, kind):
                return start
    return None


def _find_handler(
    ex: Execution,
    token: Token,
    code: str | None,
    own_boundaries: bool,
    kind: EventKind = EventKind.ERROR,
) -> _Handler | None:
    node = ex.node_of(token)
    if own_boundaries and node.kind.is_activity and not node.kind.is_container:
        boundary = _catching_boundary(ex, token, code, kind)
        if boundary is not None:
            return _Handler(boundary, host_token_id=token.id)
    scope_id: str | None = token.scope_id
    skip_event_sub_processes = False
    while scope_id is not None:
        scope = ex.state.scopes[scope_id]
        if scope.kind in _SCOPES_WITH_EVENT_SUB_PROCESSES and not skip_event_sub_processes:
            start = _catching_start(ex, scope.element_id, code, kind)
            if start is not None:
                return _Handler(start, scope_id=scope.id)
        # An error leaving an event sub-process is not caught by its siblings.
        skip_event_sub_processes = scope.kind is ScopeKind.EVENT_SUB_PROCESS
        if scope.parent_token_id is not None:
            host = ex.state.tokens[scope.parent_token_id]
            boundary = _catching_boundary(ex, host, code, kind)
            if boundary is not None:
                return _Handler(boundary, host_token_id=host.id)
        scope_id = scope.parent_id
    return None


def _run(ex: Execution, handler: _Handler, variables: Mapping[str, Any]) -> None:
    if handler.host_token_id is not None:
        host = ex.state.tokens[handler.host_token_id]
        scope_id = host.scope_id
        ex.terminate_token(host)
        events.start_boundary_path(ex, handler.catcher, scope_id, variables)
        return
    scope = ex.state.scopes[handler.scope_id or ""]
    ex.terminate_scope_content(scope.id)
    ex.cancel_scope_waits(scope.id)
    events.start_event_sub_process(ex, scope, handler.catcher, variables)
