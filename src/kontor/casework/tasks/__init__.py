"""The task system: tasks from processes or people, their lifecycle, store and handlers."""

from kontor.casework.tasks.domain import Actor, HistoryEntry, Task, TaskState
from kontor.casework.tasks.errors import InvalidTaskTransition, NotTaskWorker, TaskNotFound
from kontor.casework.tasks.handlers import register
from kontor.casework.tasks.messages import CreateTask, NewTaskFields, WorkOnTask, WorkOnTasks
from kontor.casework.tasks.operations import OPERATIONS
from kontor.casework.tasks.queries import (
    Sort,
    TaskCount,
    TaskFilter,
    TaskQueries,
    View,
    Viewer,
)
from kontor.casework.tasks.store import TaskStore, read_history

__all__ = [
    "OPERATIONS",
    "Actor",
    "CreateTask",
    "HistoryEntry",
    "InvalidTaskTransition",
    "NewTaskFields",
    "NotTaskWorker",
    "Sort",
    "Task",
    "TaskCount",
    "TaskFilter",
    "TaskNotFound",
    "TaskQueries",
    "TaskState",
    "TaskStore",
    "View",
    "Viewer",
    "WorkOnTask",
    "WorkOnTasks",
    "read_history",
    "register",
]
