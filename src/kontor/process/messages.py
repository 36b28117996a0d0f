"""Commands the process engine handles and events it emits (its contract with other components)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

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


class BroadcastSignal(Command, type_name="process.broadcast_signal"):
    """Deliver signal ``name`` to every instance of the tenant waiting for it."""

    name: str
    variables: dict[str, Any] = Field(default_factory=dict)


class TaskCompleted(Event, type_name="task.completed"):
    """A person completed a task; tasks that came from a process carry its references.

    The task system publishes this; the process engine only reacts to tasks with
    ``process_instance_id`` and ``process_task_id``.
    """

    task_id: str
    process_instance_id: str | None = None
    process_task_id: str | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    completed_by: str | None = None


class UserTaskActivated(Event, type_name="process.user_task_activated"):
    """A user task waits for a person; the task system creates its task from this."""

    instance_id: str
    process_key: str
    task_id: str
    element_id: str
    name: str | None = None
    assignee: str | None = None
    candidate_groups: list[str] = Field(default_factory=list)
    candidate_users: list[str] = Field(default_factory=list)
    due_date: str | None = None
    follow_up_date: str | None = None
    priority: int | None = None
    form_key: str | None = None
    case_id: str | None = None
    business_key: str | None = None
    variables: dict[str, Any] = Field(default_factory=dict)


class UserTaskCancelled(Event, type_name="process.user_task_cancelled"):
    """An open user task was withdrawn because its activity was interrupted."""

    instance_id: str
    task_id: str
    element_id: str
    case_id: str | None = None


class ProcessInstanceCompleted(Event, type_name="process.instance_completed"):
    """A process instance ended (``terminated`` when by a terminate end event)."""

    instance_id: str
    process_key: str
    business_key: str | None = None
    case_id: str | None = None
    terminated: bool = False
    variables: dict[str, Any] = Field(default_factory=dict)


class IncidentRaised(Event, type_name="process.incident_raised"):
    """An instance is stuck at an element until someone resolves the incident."""

    instance_id: str
    process_key: str
    incident_id: str
    element_id: str
    reason: str
    case_id: str | None = None
