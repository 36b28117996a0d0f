"""Errors of the task system, with stable codes for the API."""

from __future__ import annotations

from kontor.errors import Conflict, NotFound, PermissionDenied


class TaskNotFound(NotFound):
    """No task with that id for the tenant."""

    code = "casework.task_not_found"


class InvalidTaskTransition(Conflict):
    """The operation is not allowed in the task's state; nothing changed."""

    code = "casework.invalid_task_transition"

    def __init__(self, operation: str, state: str, why: str = "") -> None:
        reason = f" ({why})" if why else ""
        super().__init__(
            f"cannot {operation} a task that is {state}{reason}", operation=operation, state=state
        )


class NotTaskWorker(PermissionDenied):
    """The caller may not do this operation on this task (not its assignee, owner or candidate)."""

    code = "casework.not_task_worker"
