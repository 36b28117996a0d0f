"""Effects the runtime emits: history records and requests for the outside world."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ActivityStarted:
    """A flow node was entered (history)."""

    element_id: str
    element_kind: str
    token_id: str
    at: str


@dataclass(frozen=True)
class ActivityCompleted:
    """A flow node was left normally (history)."""

    element_id: str
    element_kind: str
    token_id: str
    at: str


@dataclass(frozen=True)
class ActivityTerminated:
    """A flow node was cancelled by an interrupting event or a terminate end (history)."""

    element_id: str
    element_kind: str
    token_id: str
    at: str


@dataclass(frozen=True)
class ActivityMerged:
    """A token waiting at a join was merged into the one that leaves it (history)."""

    element_id: str
    element_kind: str
    token_id: str
    at: str


@dataclass(frozen=True)
class UserTaskActivated:
    """A user task is waiting for a person; the task system creates its task from this."""

    task_id: str
    element_id: str
    name: str | None
    assignee: str | None
    candidate_groups: tuple[str, ...]
    candidate_users: tuple[str, ...]
    due_date: str | None
    follow_up_date: str | None
    priority: int | None
    form_key: str | None
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UserTaskCancelled:
    """An open user task was withdrawn (its activity was interrupted)."""

    task_id: str
    element_id: str


@dataclass(frozen=True)
class JobCreated:
    """A job is ready for a worker of ``type``."""

    job_id: str
    element_id: str
    type: str
    retries: int
    headers: dict[str, str]
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class JobCancelled:
    """A job was withdrawn (its activity was interrupted)."""

    job_id: str
    element_id: str


@dataclass(frozen=True)
class JobFailed:
    """A worker reported failure; ``retries`` left."""

    job_id: str
    element_id: str
    retries: int
    message: str


@dataclass(frozen=True)
class TimerScheduled:
    """A timer must fire at ``due``."""

    timer_id: str
    element_id: str
    due: str


@dataclass(frozen=True)
class TimerCancelled:
    """A timer is no longer needed."""

    timer_id: str
    element_id: str


@dataclass(frozen=True)
class MessageSubscriptionOpened:
    """The instance waits for message ``name`` with ``correlation_key``."""

    subscription_id: str
    element_id: str
    name: str
    correlation_key: str | None


@dataclass(frozen=True)
class SignalSubscriptionOpened:
    """The instance waits for signal ``name``."""

    subscription_id: str
    element_id: str
    name: str


@dataclass(frozen=True)
class SubscriptionClosed:
    """A message/signal subscription is no longer open."""

    subscription_id: str
    element_id: str


@dataclass(frozen=True)
class MessageThrown:
    """A message end/throw event without job type published a message."""

    element_id: str
    name: str
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SignalThrown:
    """A signal end/throw event asks for a broadcast."""

    element_id: str
    name: str
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CallActivityStarted:
    """A call activity asks the service layer to start ``process_id``."""

    token_id: str
    element_id: str
    process_id: str
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CallActivityCancelled:
    """A waiting call activity was interrupted; the service layer cancels the called instance."""

    token_id: str
    element_id: str


@dataclass(frozen=True)
class IncidentRaised:
    """The instance is stuck at ``element_id`` until someone resolves the incident.

    ``error_code`` names the BPMN error when nothing in the instance caught it: the service
    layer offers it to the call activity that started the instance.
    """

    incident_id: str
    element_id: str
    reason: str
    error_code: str | None = None


@dataclass(frozen=True)
class InstanceCompleted:
    """The process instance ended; ``terminated`` if by a terminate end event."""

    process_id: str
    variables: dict[str, Any] = field(default_factory=dict)
    terminated: bool = False


Effect = (
    ActivityStarted
    | ActivityCompleted
    | ActivityTerminated
    | ActivityMerged
    | UserTaskActivated
    | UserTaskCancelled
    | JobCreated
    | JobCancelled
    | JobFailed
    | TimerScheduled
    | TimerCancelled
    | MessageSubscriptionOpened
    | SignalSubscriptionOpened
    | SubscriptionClosed
    | MessageThrown
    | SignalThrown
    | CallActivityStarted
    | CallActivityCancelled
    | IncidentRaised
    | InstanceCompleted
)
