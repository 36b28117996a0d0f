"""Errors of the scheduler, each with a stable code."""

from __future__ import annotations

from kontor.errors import Conflict, InvalidInput, NotFound


class ScheduleNotFound(NotFound):
    """No schedule with this id in the caller's tenant."""

    code = "integration.schedule_not_found"


class ScheduleNameTaken(Conflict):
    """The tenant already has a schedule of this name."""

    code = "integration.schedule_name_taken"


class CommandNotSchedulable(InvalidInput):
    """A command a schedule may not send, or a payload that does not make one."""

    code = "integration.command_not_schedulable"
