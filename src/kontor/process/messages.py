"""Commands the process engine handles and events it emits (its contract with other components)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from kontor.messaging import Command, Event


class DeployProcess(Command, type_name="process.deploy"):
    """Deploy every executable process of a BPMN document (unchanged ones are kept)."""

    bpmn_xml: str
    source_name: str = "model.bpmn"


class StartProcess(Command, type_name="process.start"):
    """Start the latest version of the process ``process_key``."""

    process_key: str
    variables: dict[str, Any] = Field(default_factory=dict)
    business_key: str | None = None
    case_id: str | None = None
    instance_id: str | None = None


class CompleteUserTask(Command, type_name="process.complete_user_task"):
    """Complete an open user task of an instance with result variables."""

    instance_id: str
    task_id: str
    variables: dict[str, Any] = Field(default_factory=dict)


class CorrelateMessage(Command, type_name="process.correlate_message"):
    """Deliver message ``name`` to the instance waiting for it with ``correlation_key``."""

    name: str
    correlation_key: str | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    instance_id: str | None = None
    """Only this instance may take the message (no process is started by it)."""


class BroadcastSignal(Command, type_name="process.broadcast_signal"):
    """Deliver signal ``name`` to every instance of the tenant waiting for it."""

    name: str
    variables: dict[str, Any] = Field(default_factory=dict)


class EvaluateConditions(Command, type_name="process.evaluate_conditions"):
    """Start one instance of each latest process whose conditional start event's condition
    holds for ``variables`` (of ``process_key`` only, when given)."""

    variables: dict[str, Any] = Field(default_factory=dict)
    process_key: str | None = None


class ProcessInstanceCompleted(Event, type_name="process.instance_completed"):
    """A process instance ended (``terminated`` when by a terminate end event)."""

    instance_id: str
    process_key: str
    business_key: str | None = None
    case_id: str | None = None
    terminated: bool = False
    variables: dict[str, Any] = Field(default_factory=dict)
    started_by: str | None = None


class IncidentRaised(Event, type_name="process.incident_raised"):
    """An instance is stuck at an element until someone resolves the incident."""

    instance_id: str
    process_key: str
    incident_id: str
    element_id: str
    reason: str
    case_id: str | None = None


class ResolveIncident(Command, type_name="process.resolve_incident"):
    """Retry where an incident stopped the instance (its job gets ``retries`` again)."""

    instance_id: str
    incident_id: str
    retries: int = Field(default=1, ge=1)


class SetVariables(Command, type_name="process.set_variables"):
    """Set variables of an instance's scope (the process scope unless ``scope_id``)."""

    instance_id: str
    variables: dict[str, Any]
    scope_id: str | None = None
    remove: list[str] = Field(default_factory=list)
    """Names of variables of that scope to delete."""


class ActivateAdHocActivity(Command, type_name="process.activate_ad_hoc_activity"):
    """Start an enabled inner activity of a running ad-hoc sub-process.

    ``scope_id`` chooses the sub-process instance when it runs more than once.
    """

    instance_id: str
    element_id: str
    scope_id: str | None = None


class CompleteAdHocSubProcess(Command, type_name="process.complete_ad_hoc_sub_process"):
    """Complete a running ad-hoc sub-process; refused while inner activities still run."""

    instance_id: str
    element_id: str
    scope_id: str | None = None


class SuspendInstance(Command, type_name="process.suspend_instance"):
    """Hold an instance: its jobs and timers wait and commands that move it are refused.

    Task completions and job results that arrive meanwhile are parked until the resume.
    """

    instance_id: str


class ResumeInstance(Command, type_name="process.resume_instance"):
    """Let a suspended instance go on: parked completions apply, timers due meanwhile fire."""

    instance_id: str


class CancelInstance(Command, type_name="process.cancel_instance"):
    """End an instance (and the instances its call activities started) without completing it.

    Refused for an instance a running call activity started: cancel the root instance instead.
    """

    instance_id: str
    reason: str = ""


class ModificationInstruction(BaseModel):
    """One step of a modification: cancel an activity instance or start at an element.

    ``kind`` is ``cancel`` (``activity_instance_id``, or every instance of ``element_id``),
    ``start_before`` or ``start_after`` (``element_id``, with ``variables`` set on the new
    token's scope).
    """

    kind: Literal["cancel", "start_before", "start_after"]
    element_id: str | None = None
    activity_instance_id: str | None = None
    variables: dict[str, Any] = Field(default_factory=dict)


class ModifyInstance(Command, type_name="process.modify_instance"):
    """Move tokens of an instance by hand; the instructions apply in order, all or none."""

    instance_id: str
    instructions: list[ModificationInstruction] = Field(min_length=1)


class MigrateInstances(Command, type_name="process.migrate_instances"):
    """Move waiting instances of one version of a process to another with an element mapping.

    Elements not in ``mapping`` keep their id. Without ``instance_ids`` every active instance
    of ``source_version`` migrates. ``dry_run`` validates and reports without changing anything.
    """

    process_key: str
    source_version: int = Field(ge=1)
    target_version: int = Field(ge=1)
    mapping: dict[str, str] = Field(default_factory=dict)
    instance_ids: list[str] | None = None
    dry_run: bool = False


class MigratedUserTask(BaseModel):
    """A user task that waited through a migration: same task id, maybe a new element id."""

    task_id: str
    source_element_id: str
    target_element_id: str


class InstanceMigrated(Event, type_name="process.instance_migrated"):
    """An instance moved to another version of its process (once per instance, never dry runs).

    ``user_tasks`` are the user tasks that were waiting (they keep their ids);
    ``user_task_elements`` maps their old element ids to the new ones.
    """

    instance_id: str
    process_key: str
    source_definition_id: str
    source_version: int
    target_definition_id: str
    target_version: int
    user_tasks: list[MigratedUserTask] = Field(default_factory=list)
    user_task_elements: dict[str, str] = Field(default_factory=dict)
    case_id: str | None = None


class ExternalTopic(BaseModel):
    """A topic (job type) a worker fetches, how long to lock its tasks, which variables to send.

    Without ``variables`` every variable visible at the task is sent.
    """

    name: str = Field(min_length=1)
    lock_duration_ms: int = Field(ge=1, le=10 * 366 * 24 * 3600 * 1000)  # ten years at most
    variables: list[str] | None = None


class LockExternalTasks(Command, type_name="process.lock_external_tasks"):
    """Lock up to ``max_tasks`` due external tasks of the topics for worker ``worker_id``."""

    worker_id: str = Field(min_length=1)
    max_tasks: int = Field(default=10, ge=1, le=1000)
    topics: list[ExternalTopic] = Field(min_length=1)
    use_priority: bool = False  # the highest priority first, else the oldest


class CompleteExternalTask(Command, type_name="process.complete_external_task"):
    """A worker finished the external task it locked, with result variables."""

    job_id: str
    worker_id: str
    variables: dict[str, Any] = Field(default_factory=dict)


class FailExternalTask(Command, type_name="process.fail_external_task"):
    """A worker could not do a locked task; with ``retries`` left it is offered again later."""

    job_id: str
    worker_id: str
    error_message: str
    retries: int = Field(ge=0)
    retry_timeout_ms: int = Field(default=0, ge=0)


class ThrowExternalTaskError(Command, type_name="process.throw_external_task_error"):
    """A worker reports a business error for a locked task; an error boundary event may catch it."""

    job_id: str
    worker_id: str
    error_code: str = Field(min_length=1)
    message: str = ""
    variables: dict[str, Any] = Field(default_factory=dict)


class ExtendExternalTaskLock(Command, type_name="process.extend_external_task_lock"):
    """A worker needs longer: its lock on the task now ends ``lock_duration_ms`` from now."""

    job_id: str
    worker_id: str
    lock_duration_ms: int = Field(ge=1)


class UnlockExternalTask(Command, type_name="process.unlock_external_task"):
    """Release the lock on an external task, whoever holds it; it can be fetched at once."""

    job_id: str
