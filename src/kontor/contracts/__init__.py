"""Messages that cross component borders: plain commands and events, no behaviour.

The process engine and the task system never import each other; they talk through these.
"""

from kontor.contracts.tasks import (
    TaskCompleted,
    UserTaskActivated,
    UserTaskCancelled,
    UserTaskCompletedInProcess,
)

__all__ = ["TaskCompleted", "UserTaskActivated", "UserTaskCancelled", "UserTaskCompletedInProcess"]
