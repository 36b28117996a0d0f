"""Messages that cross component borders: plain commands and events, no behaviour.

The process engine and the task system never import each other; they talk through these.
"""

from kontor.contracts.tasks import (
    TaskAttentionNeeded,
    TaskCompleted,
    TaskDeadlineMissed,
    UserTaskActivated,
    UserTaskCancelled,
    UserTaskCompletedInProcess,
)

__all__ = [
    "TaskAttentionNeeded",
    "TaskCompleted",
    "TaskDeadlineMissed",
    "UserTaskActivated",
    "UserTaskCancelled",
    "UserTaskCompletedInProcess",
]
