"""The task system: tasks from processes or people, their lifecycle, store and handlers."""

from kontor.casework.tasks.domain import Actor, HistoryEntry, Task, TaskState
from kontor.casework.tasks.errors import InvalidTaskTransition, NotTaskWorker, TaskNotFound
from kontor.casework.tasks.handlers import register
from kontor.casework.tasks.messages import CreateTask, WorkOnTask
from kontor.casework.tasks.store import TaskStore

__all__ = [
    "Actor",
    "CreateTask",
    "HistoryEntry",
    "InvalidTaskTransition",
    "NotTaskWorker",
    "Task",
    "TaskNotFound",
    "TaskState",
    "TaskStore",
    "WorkOnTask",
    "register",
]
