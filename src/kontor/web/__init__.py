"""The browser UI: the shell, declared table views and forms, the work list and task view."""

from kontor.web.app import create_app, default_registry
from kontor.web.registry import WebRegistry
from kontor.web.views import (
    Action,
    AppMenu,
    Column,
    DetailView,
    Filter,
    FormView,
    Kind,
    MenuEntry,
    Section,
    TableView,
    ViewContext,
)

__all__ = [
    "Action",
    "AppMenu",
    "Column",
    "DetailView",
    "Filter",
    "FormView",
    "Kind",
    "MenuEntry",
    "Section",
    "TableView",
    "ViewContext",
    "WebRegistry",
    "create_app",
    "default_registry",
]
