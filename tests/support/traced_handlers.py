"""A service-task handler module for served processes (``KONTOR_PROCESS_TASK_HANDLER_MODULES``)."""

from __future__ import annotations

from typing import Any

from kontor.process.task_handlers import TaskHandlers

ECHO = "test.echo"


def _echo(variables: dict[str, Any], headers: dict[str, Any]) -> dict[str, Any]:
    del headers
    return {"echoed": variables.get("claim", "")}


def register(handlers: TaskHandlers) -> None:
    """Register the ``test.echo`` service task."""
    handlers.register(ECHO, _echo)
