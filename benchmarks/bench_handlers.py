"""Service-task handlers of the benchmark models, for ``KONTOR_PROCESS_TASK_HANDLER_MODULES``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kontor.process import TaskHandlers


def _score(variables: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
    del variables, headers
    return {"score": 42}


def register(handlers: TaskHandlers) -> None:
    """Register ``bench.score``: a fixed score, as a scoring service would answer."""
    handlers.register("bench.score", _score)
