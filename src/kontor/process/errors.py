"""Errors of the process engine's service layer, with stable codes for the API."""

from __future__ import annotations

from kontor.errors import Conflict, InvalidInput, NotFound


class ProcessNotFound(NotFound):
    """No deployed process (or definition version) of that key for the tenant."""

    code = "process.definition_not_found"


class InstanceNotFound(NotFound):
    """No process instance with that id for the tenant."""

    code = "process.instance_not_found"


class DuplicateBusinessKey(Conflict):
    """Another instance of the process already carries this business key."""

    code = "process.duplicate_business_key"


class ConcurrentModification(Conflict):
    """The instance changed since it was loaded; the step must be retried."""

    code = "process.concurrent_modification"
    retry_at_once = True


class CalledInstanceNotCancellable(Conflict):
    """A called instance ends with its caller: cancel the root instance (``root_instance_id``)."""

    code = "process.called_instance_not_cancellable"


class InvalidProcessModel(InvalidInput):
    """A BPMN model cannot be deployed (broken XML or validation errors)."""

    code = "process.invalid_model"


class InvalidProcessCommand(Conflict):
    """A command does not fit the instance's state (task not open, instance ended, ...)."""

    code = "process.invalid_command"


class MessageNotCorrelated(NotFound):
    """No instance of the tenant waits for the message with that correlation key."""

    code = "process.message_not_correlated"


class ExternalTaskNotFound(NotFound):
    """No open external task with that job id for the tenant (completed, cancelled or unknown)."""

    code = "process.external_task_not_found"


class ExternalTaskNotLocked(Conflict):
    """The worker holds no unexpired lock on the external task it reports on."""

    code = "process.external_task_not_locked"


class InvalidMigrationPlan(InvalidInput):
    """A migration's versions or element mapping do not fit the process (``problems`` say where)."""

    code = "process.invalid_migration_plan"


class StepStopped(Conflict):
    """A cancel or suspend of the instance stopped a step while it ran; nothing was applied."""

    code = "process.step_stopped"
