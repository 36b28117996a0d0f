"""Ad-hoc sub-processes at run time: activating their inner activities and completing them.

Both operations are logged with their actor, like the other operations on an instance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kontor.messaging import HandlerRegistry, UnitOfWork
from kontor.process import messages as msg
from kontor.process.bpmn import Definitions
from kontor.process.runtime import (
    InstanceState,
    StepResult,
    activate_ad_hoc_activity,
    complete_ad_hoc_sub_process,
)
from kontor.process.store import InstanceStore, log_operation

if TYPE_CHECKING:
    from kontor.process.service import ProcessServices, Step

AdHocCommand = msg.ActivateAdHocActivity | msg.CompleteAdHocSubProcess


def register_ad_hoc_handlers(registry: HandlerRegistry, services: ProcessServices) -> None:
    """Register ``ActivateAdHocActivity`` and ``CompleteAdHocSubProcess``."""
    registry.register_command(
        msg.ActivateAdHocActivity, lambda command, uow: activate(services, command, uow)
    )
    registry.register_command(
        msg.CompleteAdHocSubProcess, lambda command, uow: complete(services, command, uow)
    )


def activate(services: ProcessServices, command: msg.ActivateAdHocActivity, uow: UnitOfWork) -> str:
    """Start an enabled inner activity of an ad-hoc sub-process; return the instance id."""

    def step(definitions: Definitions, state: InstanceState) -> StepResult:
        return activate_ad_hoc_activity(
            definitions, state, command.element_id, uow.clock,
            evaluator=services.evaluator, scope_id=command.scope_id,
        )  # fmt: skip

    return _operate(services, uow, command, step, "activate_ad_hoc_activity")


def complete(
    services: ProcessServices, command: msg.CompleteAdHocSubProcess, uow: UnitOfWork
) -> str:
    """Complete an ad-hoc sub-process with nothing running inside; return the instance id."""

    def step(definitions: Definitions, state: InstanceState) -> StepResult:
        return complete_ad_hoc_sub_process(
            definitions, state, command.element_id, uow.clock,
            evaluator=services.evaluator, scope_id=command.scope_id,
        )  # fmt: skip

    return _operate(services, uow, command, step, "complete_ad_hoc_sub_process")


def _operate(
    services: ProcessServices, uow: UnitOfWork, command: AdHocCommand, step: Step, operation: str
) -> str:
    record = InstanceStore(uow.connection, command.tenant_id).get(command.instance_id)
    services.apply(uow, record, step, command.caused())
    details = {"element_id": command.element_id, "scope_id": command.scope_id}
    log_operation(
        uow.connection, command.tenant_id, command.instance_id, operation, command.actor,
        details, uow.clock.now(),
    )  # fmt: skip
    return command.instance_id
