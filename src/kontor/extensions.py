"""Extension modules named in the settings: case types and in-process service-task handlers."""

from __future__ import annotations

import importlib
from typing import Any

from kontor.casework.cases import CaseTypeRegistry
from kontor.process import TaskHandlers
from kontor.settings import Settings


def load_case_types(settings: Settings) -> CaseTypeRegistry:
    """The case types the configured modules register (``KONTOR_CASE_TYPE_MODULES``)."""
    case_types = CaseTypeRegistry()
    _register_from(settings.case_type_modules, "KONTOR_CASE_TYPE_MODULES", "case_types",
                   case_types)  # fmt: skip
    return case_types


def load_task_handlers(settings: Settings) -> TaskHandlers:
    """The in-process service-task handlers the configured modules register."""
    handlers = TaskHandlers()
    _register_from(settings.process_task_handler_modules, "KONTOR_PROCESS_TASK_HANDLER_MODULES",
                   "handlers", handlers)  # fmt: skip
    return handlers


def _register_from(modules: list[str], setting: str, argument: str, target: Any) -> None:
    """Call ``register(target)`` of each module named in ``setting``; a module that cannot be
    imported or has no such function is refused naming the setting."""
    for name in modules:
        try:
            register = importlib.import_module(name).register
        except (ImportError, AttributeError) as error:
            raise ValueError(
                f"{setting}: {name!r} is no importable module with a "
                f"register({argument}) function ({error})"
            ) from error
        register(target)
