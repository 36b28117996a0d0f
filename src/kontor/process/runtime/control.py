"""Runtime control of one instance by an operator: suspend, resume, cancel and modify.

A suspended instance refuses to move, but a task or job result that arrives meanwhile is not
lost: ``park`` keeps it in the state and ``resume`` applies it.

Like the commands, each function works on a copy of the state and returns
``StepResult(state, effects)``; a refused operation changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kontor.messaging import Clock
from kontor.process.bpmn.model import Definitions, FlowNode, NodeKind
from kontor.process.runtime import events
from kontor.process.runtime.commands import (
    StepResult,
    complete_job,
    complete_user_task,
    fail_job,
    throw_bpmn_error,
)
from kontor.process.runtime.effects import ActivityStarted, Effect
from kontor.process.runtime.errors import (
    InstanceNotActiveError,
    InstanceSuspendedError,
    InvalidModificationError,
    RuntimeCommandError,
    Stuck,
    UnknownWaitStateError,
)
from kontor.process.runtime.execution import Execution
from kontor.process.runtime.ports import ExpressionEvaluator
from kontor.process.runtime.state import (
    InstanceState,
    InstanceStatus,
    ParkedCompletion,
    Scope,
    ScopeKind,
)

CANCEL = "cancel"
START_BEFORE = "start_before"
START_AFTER = "start_after"

PARKED_USER_TASK = "user_task"
PARKED_JOB = "job"
PARKED_JOB_ERROR = "job_error"
PARKED_JOB_FAILURE = "job_failure"
"""Kinds of ``ParkedCompletion``: what arrived for a suspended instance."""


@dataclass(frozen=True)
class Modification:
    """One instruction of a modification.

    ``cancel`` ends the activity instance ``activity_instance_id`` (a token id) or every
    instance of ``element_id``; ``start_before``/``start_after`` put a token before
    ``element_id`` or on its outgoing flow, with ``variables`` set on the token's scope.
    """

    kind: Literal["cancel", "start_before", "start_after"]
    element_id: str | None = None
    activity_instance_id: str | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)


def suspend(state: InstanceState) -> StepResult:
    """Hold the instance: its jobs and timers wait, commands that move it are refused."""
    require_active(state)
    if state.suspended:
        raise InstanceSuspendedError(f"instance {state.instance_id} is suspended already")
    working = state.copy()
    working.suspended = True
    return StepResult(working, [])


def resume(
    definitions: Definitions, state: InstanceState, clock: Clock, *, evaluator: ExpressionEvaluator
) -> StepResult:
    """Let a suspended instance go on; timers that fell due meanwhile become due at once.

    Completions parked while it was suspended are applied first, in the order they arrived;
    one whose task or job was withdrawn meanwhile (by a modification) is dropped.
    """
    require_active(state)
    if not state.suspended:
        raise RuntimeCommandError(f"instance {state.instance_id} is not suspended")
    working = state.copy()
    working.suspended = False
    parked, working.parked = working.parked, []
    effects: list[Effect] = []
    for completion in parked:
        try:
            working, caused = _apply_parked(definitions, working, completion, clock, evaluator)
        except RuntimeCommandError:
            continue  # its task or job ended meanwhile: nothing waits for the result any more
        effects.extend(caused)
    return StepResult(working, effects)


def park(state: InstanceState, completion: ParkedCompletion) -> StepResult:
    """Keep a completion that arrived while the instance is suspended; ``resume`` applies it.

    Nothing moves: the token keeps waiting and the variables are not set yet. Refused when
    the task or job is not open or was completed already (a result waits for it).
    """
    require_active(state)
    if not state.suspended:
        raise RuntimeCommandError(f"instance {state.instance_id} is not suspended")
    is_task = completion.kind == PARKED_USER_TASK
    what = "user task" if is_task else "job"
    target = completion.target_id
    if target not in (state.user_tasks if is_task else state.jobs):
        raise UnknownWaitStateError(f"no open {what} '{target}'")
    if is_parked(state, target):
        raise UnknownWaitStateError(
            f"{what} '{target}' was completed already; the result waits until instance "
            f"{state.instance_id} is resumed"
        )
    working = state.copy()
    working.parked.append(completion)
    return StepResult(working, [])


def is_parked(state: InstanceState, target_id: str) -> bool:
    """Whether a result for the user task or job ``target_id`` waits for the resume."""
    return any(row.target_id == target_id for row in state.parked)


def _apply_parked(
    definitions: Definitions,
    state: InstanceState,
    completion: ParkedCompletion,
    clock: Clock,
    evaluator: ExpressionEvaluator,
) -> StepResult:
    target, variables = completion.target_id, completion.variables
    if completion.kind == PARKED_USER_TASK:
        return complete_user_task(definitions, state, target, variables, clock, evaluator=evaluator)
    if completion.kind == PARKED_JOB:
        return complete_job(definitions, state, target, variables, clock, evaluator=evaluator)
    if completion.kind == PARKED_JOB_ERROR:
        return throw_bpmn_error(
            definitions, state, target, completion.error_code or "", clock,
            evaluator=evaluator, message=completion.message, variables=variables,
        )  # fmt: skip
    if completion.kind == PARKED_JOB_FAILURE:
        return fail_job(
            definitions, state, target, completion.retries or 0, completion.message, clock,
            evaluator=evaluator,
        )  # fmt: skip
    raise RuntimeCommandError(f"unknown parked completion kind {completion.kind!r}")


def cancel(
    definitions: Definitions, state: InstanceState, clock: Clock, *, evaluator: ExpressionEvaluator
) -> StepResult:
    """End the instance without completing it: every token, task, job and trigger is withdrawn."""
    require_active(state)
    working = state.copy()
    working.suspended = False
    working.parked = []  # nothing waits for them any more
    ex = Execution(definitions, working, evaluator, clock.now())
    ex.terminate_scope_content(working.root_scope_id)
    ex.check_scope_done(working.root_scope_id, terminated=True)
    return StepResult(working, ex.effects)


def modify(
    definitions: Definitions,
    state: InstanceState,
    instructions: Sequence[Modification],
    clock: Clock,
    *,
    evaluator: ExpressionEvaluator,
) -> StepResult:
    """Apply the instructions in order, all or none, then run the new tokens to wait states.

    Scopes whose last token was cancelled end once all instructions are applied (so a cancel
    followed by a start in the same scope keeps it); an emptied process ends terminated.
    """
    require_active(state)
    if state.compensation_runs:  # a handler moved by hand would leave its run waiting forever
        raise InvalidModificationError(
            f"compensation is running in instance {state.instance_id}; "
            "modify it after its handlers have ended"
        )
    working = state.copy()
    ex = Execution(definitions, working, evaluator, clock.now())
    touched: list[str] = []
    for number, instruction in enumerate(instructions, start=1):
        try:
            if instruction.kind == CANCEL:
                touched.extend(_cancel(ex, instruction))
            else:
                _start(ex, instruction)
        except (RuntimeCommandError, Stuck) as error:
            target = instruction.activity_instance_id or instruction.element_id
            raise InvalidModificationError(
                f"instruction {number} ({instruction.kind} {target!r}) on instance "
                f"{state.instance_id}: {error}",
                instruction=number, target=target,
            ) from error  # fmt: skip
    _end_emptied_scopes(ex, touched)
    ex.run()
    return StepResult(working, ex.effects)


def require_active(state: InstanceState) -> None:
    """Refuse operations on an instance that has ended."""
    if state.status is not InstanceStatus.ACTIVE:
        raise InstanceNotActiveError(f"instance {state.instance_id} is {state.status.value}")


# -- cancel ------------------------------------------------------------------------------------


def _cancel(ex: Execution, instruction: Modification) -> list[str]:
    """Terminate what the instruction names; return the scopes it left tokens in."""
    state = ex.state
    if instruction.activity_instance_id is not None:
        wanted = instruction.activity_instance_id
        if wanted in state.tokens:
            tokens = [state.tokens[wanted]]
            scopes: list[Scope] = []
        elif _is_event_sub_process(state.scopes.get(wanted)):
            tokens, scopes = [], [state.scopes[wanted]]
        else:
            raise InvalidModificationError(f"no active activity instance {wanted!r}")
    elif instruction.element_id is not None:
        element_id = instruction.element_id
        tokens = [t for t in state.tokens.values() if t.element_id == element_id]
        scopes = [
            s
            for s in state.scopes.values()
            if s.element_id == element_id and _is_event_sub_process(s)
        ]
        if not tokens and not scopes:
            raise InvalidModificationError(f"element {element_id!r} has no active instance")
    else:
        raise InvalidModificationError("cancel needs an activity_instance_id or an element_id")
    touched = []
    for token in tokens:
        if token.id in state.tokens:  # an earlier one may have taken it along (sub-process)
            touched.append(token.scope_id)
            ex.terminate_token(token)
    for scope in scopes:
        if scope.id in state.scopes and scope.parent_id is not None:
            touched.append(scope.parent_id)
            ex.terminate_scope(scope.id)
    return touched


def _is_event_sub_process(scope: Scope | None) -> bool:
    return scope is not None and scope.kind is ScopeKind.EVENT_SUB_PROCESS


def _end_emptied_scopes(ex: Execution, scope_ids: list[str]) -> None:
    """End scopes left without tokens or nested scopes, innermost first, up the chain."""
    pending = list(scope_ids)
    while pending:
        scope = ex.state.scopes.get(pending.pop(0))
        if scope is None or not _is_empty(ex.state, scope.id):
            continue
        if scope.kind is ScopeKind.PROCESS:
            ex.check_scope_done(scope.id, terminated=True)
        elif scope.parent_token_id is not None and scope.parent_token_id in ex.state.tokens:
            host = ex.state.tokens[scope.parent_token_id]
            pending.append(host.scope_id)
            ex.terminate_token(host)  # ends this scope with it
        elif scope.parent_id is not None:
            pending.append(scope.parent_id)
            ex.terminate_scope(scope.id)


def _is_empty(state: InstanceState, scope_id: str) -> bool:
    return not any(t.scope_id == scope_id for t in state.tokens.values()) and not any(
        s.parent_id == scope_id for s in state.scopes.values()
    )


# -- start -------------------------------------------------------------------------------------


def _start(ex: Execution, instruction: Modification) -> None:
    if instruction.element_id is None:
        raise InvalidModificationError(f"{instruction.kind} needs an element_id")
    node = ex.process.nodes.get(instruction.element_id)
    if node is None:
        raise InvalidModificationError(
            f"process {ex.process.id!r} has no element {instruction.element_id!r}"
        )
    if instruction.kind == START_AFTER and len(node.outgoing) != 1:
        raise InvalidModificationError(
            f"element {node.id!r} has {len(node.outgoing)} outgoing sequence flows, "
            "start after needs exactly one (start before a target instead)"
        )
    scope = _scope_for(ex, node.container_id)
    scope.variables.update(instruction.variables)
    token = ex.new_token(scope.id, node.id)
    if instruction.kind == START_BEFORE:
        ex.schedule(token)
    else:
        ex.take_flows(token, node.outgoing)


def _scope_for(ex: Execution, container_id: str) -> Scope:
    """The scope instance of ``container_id``, opening enclosing sub-processes as needed."""
    chain: list[FlowNode] = []
    current_id = container_id
    while current_id != ex.process.id:
        container = ex.process.node(current_id)
        chain.append(container)
        current_id = container.container_id
    scope = ex.state.scopes[ex.state.root_scope_id]
    for container in reversed(chain):
        running = [
            s for s in ex.state.scopes.values() if _instance_of(ex.state, s, container, scope)
        ]
        if len(running) > 1:
            raise InvalidModificationError(
                f"sub-process {container.id!r} has {len(running)} active instances; "
                "a start inside it cannot choose one"
            )
        scope = running[0] if running else _open(ex, scope, container)
    return scope


def _instance_of(state: InstanceState, scope: Scope, container: FlowNode, parent: Scope) -> bool:
    if scope.element_id != container.id or scope.kind not in _OPENABLE:
        return False
    if scope.parent_id == parent.id:
        return True
    body = state.scopes.get(scope.parent_id or "")  # inner instances of a multi-instance body
    return (
        body is not None
        and body.kind is ScopeKind.MULTI_INSTANCE_BODY
        and (body.parent_id == parent.id)
    )


_OPENABLE = (ScopeKind.SUB_PROCESS, ScopeKind.EVENT_SUB_PROCESS)


def _open(ex: Execution, parent: Scope, container: FlowNode) -> Scope:
    """Open a scope of the sub-process ``container`` inside ``parent``."""
    if container.kind is not NodeKind.SUB_PROCESS or container.multi_instance is not None:
        raise InvalidModificationError(
            f"{container.kind.value} {container.id!r} is not running and cannot be opened "
            "by a modification (start before it instead)"
        )
    if container.triggered_by_event:
        ex.effects.append(ActivityStarted(container.id, container.kind.value, "", ex.stamp()))
        return ex.open_scope(
            ScopeKind.EVENT_SUB_PROCESS, container.id, None, {}, parent_scope_id=parent.id
        )
    host = ex.new_token(parent.id, container.id)
    ex.effects.append(ActivityStarted(container.id, container.kind.value, host.id, ex.stamp()))
    scope = ex.open_scope(ScopeKind.SUB_PROCESS, container.id, host, {})
    events.open_boundary_events(ex, host, container)
    return scope
