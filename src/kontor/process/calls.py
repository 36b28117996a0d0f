"""Call activities in the service layer: start the called process, return, fail and cancel.

Everything happens in the unit of work of the step that caused it. The called instance runs
in the caller's tenant, carries its case id and records the calling instance and token.

Which version is called (``zeebe:calledElement bindingType``):

- ``latest`` (default): the newest deployed version of the process key;
- ``deployment``: the version deployed from the same BPMN document as the caller's version
  (Kontor deploys one document at a time, so "deployed together" means "same document");
- ``versionTag``: the newest version whose process carries ``<zeebe:versionTag value>``
  equal to the call activity's ``versionTag``.

When no version fits, the call activity gets an incident naming the process key; resolving it
tries the call again. An error end event the called instance does not catch goes to the call
activity (its error boundary events, then the caller's enclosing scopes, then further up the
call chain); caught there, the called instance is cancelled; caught nowhere, the incident stays
in the called instance (as in Camunda). Interrupting a waiting call activity cancels the called
instance and the instances it called in turn.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from kontor.messaging import UnitOfWork
from kontor.process.bpmn import Definitions
from kontor.process.bpmn.extensions import CalledElement
from kontor.process.errors import InvalidProcessCommand, ProcessNotFound
from kontor.process.launch import launch
from kontor.process.runtime import (
    Effect,
    InstanceState,
    NotCaughtError,
    StepResult,
    Wait,
    complete_call_activity,
    fail_call_activity,
    throw_call_error,
)
from kontor.process.runtime import effects as fx
from kontor.process.runtime.control import cancel
from kontor.process.store import DefinitionStore, DeployedDefinition, InstanceRecord, InstanceStore
from kontor.process.store.call_links import ParentLink
from kontor.process.store.instance_control import active_children

if TYPE_CHECKING:
    from kontor.process.service import ProcessServices, Step

MAX_NESTED_CALLS = 32
"""Called instances one transaction may start inside each other (a call chain that never
waits would otherwise recurse until the interpreter gives up)."""

_nested_calls: ContextVar[int] = ContextVar("kontor_nested_calls", default=0)


def follow_calls(
    services: ProcessServices,
    uow: UnitOfWork,
    record: InstanceRecord,
    effects: list[Effect],
    envelope: dict[str, Any],
) -> None:
    """Do what a step's effects ask of the instances it calls or was called by."""
    for effect in effects:
        if isinstance(effect, fx.CallActivityStarted):
            _call(services, uow, record, effect, envelope)
        elif isinstance(effect, fx.CallActivityCancelled):
            _cancel_called(services, uow, record, effect.token_id, envelope)
        elif isinstance(effect, fx.InstanceCompleted):
            _return(services, uow, record, effect.variables, envelope)
        elif isinstance(effect, fx.IncidentRaised) and effect.error_code is not None:
            _throw_to_caller(services, uow, record, effect.error_code, envelope)


def _call(
    services: ProcessServices,
    uow: UnitOfWork,
    caller: InstanceRecord,
    effect: fx.CallActivityStarted,
    envelope: dict[str, Any],
) -> None:
    definitions = services.definitions(uow, caller.tenant_id, caller.definition_id)
    node = definitions.process(caller.process_key).node(effect.element_id)
    try:
        called = _called_version(services, uow, caller, effect, node.extensions.called_element)
    except ProcessNotFound as error:
        reason = f"call activity {effect.element_id!r} cannot start process: {error}"
        _fail_call(services, uow, caller, effect, reason, envelope)
        return
    depth = _nested_calls.get()
    if depth >= MAX_NESTED_CALLS:
        reason = (
            f"call activity {effect.element_id!r} would nest more than {MAX_NESTED_CALLS} "
            "called instances in one transaction: processes that call each other without a "
            "wait state"
        )
        _fail_call(services, uow, caller, effect, reason, envelope)
        return
    reset = _nested_calls.set(depth + 1)
    try:
        launch(
            services, uow, called, effect.variables, envelope, case_id=caller.case_id,
            parent=ParentLink(caller.instance_id, effect.token_id),
        )  # fmt: skip
    finally:
        _nested_calls.reset(reset)


def _fail_call(
    services: ProcessServices,
    uow: UnitOfWork,
    caller: InstanceRecord,
    effect: fx.CallActivityStarted,
    reason: str,
    envelope: dict[str, Any],
) -> None:
    """An incident at the call activity; resolving it tries the call again."""

    def failing(d: Definitions, s: InstanceState) -> StepResult:
        return fail_call_activity(
            d, s, effect.token_id, reason, uow.clock, evaluator=services.evaluator
        )

    _apply_to(services, uow, caller.tenant_id, caller.instance_id, failing, envelope)


def _called_version(
    services: ProcessServices,
    uow: UnitOfWork,
    caller: InstanceRecord,
    effect: fx.CallActivityStarted,
    called: CalledElement | None,
) -> DeployedDefinition:
    key = effect.process_id
    if not key:
        raise ProcessNotFound("it names no process id", key=key)
    store = DefinitionStore(uow.connection, caller.tenant_id)
    binding = called.binding_type if called is not None else "latest"
    if binding == "latest":
        return services.latest(uow, caller.tenant_id, key)
    newest_first = list(reversed(store.versions(key)))
    if binding == "deployment":
        document = store.get(caller.definition_id).content_sha256
        found = [v for v in newest_first if v.content_sha256 == document]
        problem = f"process {key!r} was not deployed with {caller.process_key!r}"
    elif binding == "versionTag":
        tag = called.version_tag if called is not None else None
        found = [v for v in newest_first if _version_tag(services, uow, v) == tag]
        problem = f"no version of process {key!r} has version tag {tag!r}"
    else:
        raise ProcessNotFound(f"unknown bindingType {binding!r} for {key!r}", key=key)
    if not found:
        raise ProcessNotFound(problem, key=key)
    return found[0]


def _version_tag(
    services: ProcessServices, uow: UnitOfWork, version: DeployedDefinition
) -> str | None:
    definitions = services.definitions(uow, version.tenant_id, version.definition_id)
    return definitions.process(version.process_key).version_tag


def _return(
    services: ProcessServices,
    uow: UnitOfWork,
    called: InstanceRecord,
    variables: dict[str, Any],
    envelope: dict[str, Any],
) -> None:
    link = _waiting_caller(uow, called)
    if link is None:
        return

    def returning(d: Definitions, s: InstanceState) -> StepResult:
        return complete_call_activity(
            d, s, link.token_id, variables, uow.clock, evaluator=services.evaluator
        )

    _apply_to(services, uow, called.tenant_id, link.instance_id, returning, envelope)


def _throw_to_caller(
    services: ProcessServices,
    uow: UnitOfWork,
    called: InstanceRecord,
    error_code: str,
    envelope: dict[str, Any],
) -> None:
    link = _waiting_caller(uow, called)
    if link is None:
        return

    def throwing(d: Definitions, s: InstanceState) -> StepResult:
        return throw_call_error(
            d, s, link.token_id, error_code, uow.clock, evaluator=services.evaluator
        )

    try:
        _apply_to(services, uow, called.tenant_id, link.instance_id, throwing, envelope)
    except InvalidProcessCommand as error:
        if not isinstance(error.__cause__, NotCaughtError):
            raise
        caller = InstanceStore(uow.connection, called.tenant_id).get(link.instance_id)
        _throw_to_caller(services, uow, caller, error_code, envelope)


def _waiting_caller(uow: UnitOfWork, called: InstanceRecord) -> ParentLink | None:
    """The caller's link if its call activity still waits for ``called``."""
    link = called.parent
    if link is None:
        return None
    caller = InstanceStore(uow.connection, called.tenant_id).get(link.instance_id)
    token = caller.state.tokens.get(link.token_id)
    if token is None or token.wait is not Wait.CALL_ACTIVITY:
        return None  # the call activity was interrupted; its instance was cancelled with it
    return link


def _cancel_called(
    services: ProcessServices,
    uow: UnitOfWork,
    caller: InstanceRecord,
    token_id: str,
    envelope: dict[str, Any],
) -> None:
    def cancelling(d: Definitions, s: InstanceState) -> StepResult:
        return cancel(d, s, uow.clock, evaluator=services.evaluator)

    tenant_id = caller.tenant_id
    for instance_id in active_children(uow.connection, tenant_id, caller.instance_id, token_id):
        _apply_to(services, uow, tenant_id, instance_id, cancelling, envelope)


def _apply_to(
    services: ProcessServices,
    uow: UnitOfWork,
    tenant_id: str,
    instance_id: str,
    step: Step,
    envelope: dict[str, Any],
) -> None:
    record = InstanceStore(uow.connection, tenant_id).get(instance_id)
    services.apply(uow, record, step, envelope)
