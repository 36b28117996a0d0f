"""Errors of the process runtime."""

from __future__ import annotations


class Stuck(Exception):
    """Raised inside element behaviour when a token cannot go on; becomes an incident."""

    def __init__(self, reason: str, job_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.job_id = job_id


class RuntimeCommandError(Exception):
    """A command does not fit the instance's state (unknown task, finished instance, ...)."""

    code = "process.invalid_command"


class UnknownWaitStateError(RuntimeCommandError):
    """The task, job, timer or token a command names is not open in this instance."""

    code = "process.unknown_wait_state"


class InstanceNotActiveError(RuntimeCommandError):
    """The instance has already ended."""

    code = "process.instance_not_active"


class NotCorrelatedError(RuntimeCommandError):
    """No open subscription of the instance matches the message."""

    code = "process.message_not_correlated"


class TimerNotDueError(RuntimeCommandError):
    """A timer was fired before its due time."""

    code = "process.timer_not_due"


class UnsupportedProcessError(RuntimeCommandError):
    """The process cannot be started (not found, no suitable start event, unsupported)."""

    code = "process.unsupported"
