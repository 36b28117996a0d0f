"""Errors of the process runtime."""

from __future__ import annotations


class Stuck(Exception):
    """Raised inside element behaviour when a token cannot go on; becomes an incident.

    ``error_code`` is set when an uncaught BPMN error is the cause (a caller may catch it).
    """

    def __init__(
        self, reason: str, job_id: str | None = None, error_code: str | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.job_id = job_id
        self.error_code = error_code


class RuntimeCommandError(Exception):
    """A command does not fit the instance's state (unknown task, finished instance, ...).

    ``details`` name what the refusal is about (an instruction's number, an element id), for
    callers that word the refusal themselves.
    """

    code = "process.invalid_command"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.details = details


class UnknownWaitStateError(RuntimeCommandError):
    """The task, job, timer or token a command names is not open in this instance."""

    code = "process.unknown_wait_state"


class InstanceNotActiveError(RuntimeCommandError):
    """The instance has already ended."""

    code = "process.instance_not_active"


class InstanceSuspendedError(RuntimeCommandError):
    """The instance is suspended; only runtime control may change it until it is resumed."""

    code = "process.instance_suspended"


class NotCorrelatedError(RuntimeCommandError):
    """No open subscription of the instance matches the message."""

    code = "process.message_not_correlated"


class NotCaughtError(RuntimeCommandError):
    """No boundary or event sub-process of the instance catches the error."""

    code = "process.error_not_caught"


class TimerNotDueError(RuntimeCommandError):
    """A timer was fired before its due time."""

    code = "process.timer_not_due"


class UnsupportedProcessError(RuntimeCommandError):
    """The process cannot be started (not found, no suitable start event, unsupported)."""

    code = "process.unsupported"


class InvalidModificationError(RuntimeCommandError):
    """A modification instruction names no element or activity instance it could act on."""

    code = "process.invalid_modification"


class AdHocRefusedError(RuntimeCommandError):
    """An ad-hoc sub-process cannot activate the element or complete (the message says why)."""

    code = "process.ad_hoc_refused"


class MigrationRefusedError(RuntimeCommandError):
    """An instance cannot migrate to the target version; ``problems`` name the elements."""

    code = "process.migration_refused"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
