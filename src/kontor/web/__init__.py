"""The browser UI: the shell, declared table views and forms, the work list and task view."""

from kontor.web.app import create_app, default_registry
from kontor.web.registry import WebRegistry
from kontor.web.views import (
    Action,
    AppMenu,
    Column,
    Filter,
    FormView,
    Kind,
    MenuEntry,
    TableView,
    ViewContext,
)

__all__ = [
    "Action",
    "AppMenu",
    "Column",
    "Filter",
    "FormView",
    "Kind",
    "MenuEntry",
    "TableView",
    "ViewContext",
    "WebRegistry",
    "create_app",
    "default_registry",
]
