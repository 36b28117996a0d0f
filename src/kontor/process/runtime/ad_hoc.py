"""Ad-hoc sub-processes (BPMN 2.0 §10.3.5, §13.3.4): which inner activities run is decided at
run time.

Entering one opens its scope and nothing more: its activities without incoming flow are
*enabled*, and each runs when a command activates it (``Sequential`` ordering: only while
nothing else runs inside). Flows between inner activities are followed as anywhere else.
After every inner activity completes the ``completionCondition`` is evaluated; once it holds
the sub-process completes, cancelling what still runs inside (``cancelRemainingInstances``,
the default) or waiting for it. Without a condition a command completes it once nothing runs
inside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kontor.process.bpmn.model import AdHoc, FlowNode
from kontor.process.bpmn.validation_ad_hoc import enabled_activities
from kontor.process.runtime.errors import AdHocRefusedError
from kontor.process.runtime.state import Scope, ScopeKind, Token

if TYPE_CHECKING:
    from kontor.process.runtime.execution import Execution


def enter(ex: Execution, token: Token, node: FlowNode) -> None:
    """Open the ad-hoc sub-process's scope; its inner activities wait to be activated."""
    ex.open_scope(ScopeKind.SUB_PROCESS, node.id, token, dict(token.locals))
    token.locals = {}


def settings_of(ex: Execution, scope: Scope) -> AdHoc | None:
    """The ad-hoc settings if ``scope`` is the scope of an ad-hoc sub-process."""
    if scope.kind is not ScopeKind.SUB_PROCESS:
        return None
    return ex.process.node(scope.element_id).ad_hoc


def keeps_open(ex: Execution, scope: Scope) -> bool:
    """Whether an ad-hoc scope with nothing running inside stays open for activations."""
    return not scope.ad_hoc_completing and settings_of(ex, scope) is not None


def completion_reached(ex: Execution, token: Token) -> bool:
    """Whether the completion condition of the ad-hoc sub-process holds after the inner
    activity of ``token`` completed (False outside ad-hoc sub-processes)."""
    scope = ex.state.scopes.get(token.scope_id)
    settings = None if scope is None else settings_of(ex, scope)
    if scope is None or settings is None or settings.completion_condition is None:
        return False
    return not scope.ad_hoc_completing and (
        ex.evaluate(token, settings.completion_condition) is True
    )


def finish(ex: Execution, scope_id: str) -> None:
    """Complete an ad-hoc sub-process: now, or when the inner activities still running end."""
    scope = ex.state.scopes.get(scope_id)
    settings = None if scope is None else settings_of(ex, scope)
    if scope is None or settings is None:
        return
    scope.ad_hoc_completing = True
    if settings.cancel_remaining_instances:
        ex.terminate_scope_content(scope_id)
    ex.check_scope_done(scope_id)


def activate(ex: Execution, element_id: str, scope_id: str | None) -> None:
    """Start the enabled inner activity ``element_id`` (refused with the reason otherwise)."""
    node = ex.process.nodes.get(element_id)
    container = None if node is None else ex.process.nodes.get(node.container_id)
    if (
        node is None
        or container is None
        or container.ad_hoc is None
        or element_id not in {n.id for n in enabled_activities(ex.process, container.id)}
    ):
        raise AdHocRefusedError(
            f"'{element_id}' is no activity of an ad-hoc sub-process that can be activated "
            "(an inner activity without incoming sequence flow)"
        )
    scope = _scope_of(ex, container, scope_id)
    if scope.ad_hoc_completing:
        raise AdHocRefusedError(
            f"ad-hoc sub-process '{container.id}' is completing; '{element_id}' cannot start"
        )
    running = _running(ex, scope)
    if container.ad_hoc.sequential and running:
        raise AdHocRefusedError(
            f"ad-hoc sub-process '{container.id}' is sequential and {running} still runs; "
            f"'{element_id}' can start once it has completed"
        )
    ex.schedule(ex.new_token(scope.id, element_id))


def complete(ex: Execution, element_id: str, scope_id: str | None) -> None:
    """Complete the ad-hoc sub-process ``element_id``; refused while inner activities run."""
    container = ex.process.nodes.get(element_id)
    if container is None or container.ad_hoc is None:
        raise AdHocRefusedError(f"'{element_id}' is no ad-hoc sub-process")
    scope = _scope_of(ex, container, scope_id)
    running = _running(ex, scope)
    if running:
        raise AdHocRefusedError(
            f"ad-hoc sub-process '{element_id}' cannot complete while {running} still runs"
        )
    finish(ex, scope.id)


def _running(ex: Execution, scope: Scope) -> str:
    """The inner elements that hold a token, quoted and joined ('' when none)."""
    names = sorted({t.element_id for t in ex.tokens_in_scope(scope.id)})
    return ", ".join(f"'{name}'" for name in names)


def _scope_of(ex: Execution, container: FlowNode, scope_id: str | None) -> Scope:
    active = [
        s
        for s in ex.state.scopes.values()
        if s.element_id == container.id and s.kind is ScopeKind.SUB_PROCESS
    ]
    if scope_id is not None:
        active = [s for s in active if s.id == scope_id]
    if not active:
        where = f" in scope '{scope_id}'" if scope_id is not None else ""
        raise AdHocRefusedError(f"ad-hoc sub-process '{container.id}' is not active{where}")
    if len(active) > 1:
        scopes = ", ".join(s.id for s in active)
        raise AdHocRefusedError(
            f"ad-hoc sub-process '{container.id}' runs {len(active)} times (scopes {scopes}); "
            "name the scope_id"
        )
    return active[0]
