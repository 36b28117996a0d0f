"""Starting an instance of a chosen process definition (commands, calls, start events)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kontor.db.ids import time_ordered_id
from kontor.messaging import UnitOfWork
from kontor.process.errors import InvalidProcessCommand
from kontor.process.runtime import RuntimeCommandError, StepResult, start
from kontor.process.store import DeployedDefinition, InstanceRecord, InstanceStore
from kontor.process.store.call_links import ParentLink

if TYPE_CHECKING:
    from kontor.process.service import ProcessServices


def launch(
    services: ProcessServices,
    uow: UnitOfWork,
    definition: DeployedDefinition,
    variables: Mapping[str, Any],
    envelope: dict[str, Any],
    *,
    business_key: str | None = None,
    case_id: str | None = None,
    instance_id: str | None = None,
    start_event_id: str | None = None,
    parent: ParentLink | None = None,
    started_by: str | None = None,
    first: StepResult | None = None,
) -> InstanceRecord:
    """Start an instance of ``definition`` and emit what its first step caused.

    ``started_by`` is the user who started it (None: a timer, message, signal or call).
    ``first`` is that step when the caller ran it already (``first_step``, before writing).
    """
    tenant_id = definition.tenant_id
    instance_id = instance_id or time_ordered_id()  # indexes on instance ids grow at the end
    result = first or first_step(
        services, uow, definition, variables, instance_id, start_event_id=start_event_id
    )
    now = uow.clock.now()
    record = InstanceRecord(
        instance_id, tenant_id, definition.definition_id, definition.process_key,
        definition.version, business_key, case_id, result.state, 1, now, parent, started_by,
    )  # fmt: skip
    store = InstanceStore(uow.connection, tenant_id)
    store.add(record, result.effects, now, history_level=services.history_level)
    services.emit(uow, record, result.effects, envelope)
    return record


def first_step(
    services: ProcessServices,
    uow: UnitOfWork,
    definition: DeployedDefinition,
    variables: Mapping[str, Any],
    instance_id: str,
    *,
    start_event_id: str | None = None,
) -> StepResult:
    """The first step of a new instance ``instance_id``, within the step budget; nothing stored.

    Pure once ``definition`` is parsed: run before the write transaction, a slow expression in
    it holds no database lock.
    """
    definitions = services.definitions(uow, definition.tenant_id, definition.definition_id)
    try:
        return services.run_step(
            uow, definitions, definition.tenant_id, instance_id, None,
            lambda: start(
                definitions, definition.process_key, variables, uow.clock,
                evaluator=services.evaluator, instance_id=instance_id,
                start_event_id=start_event_id,
            ),
        )  # fmt: skip
    except RuntimeCommandError as error:
        raise InvalidProcessCommand(str(error), reason=error.code, **error.details) from error
