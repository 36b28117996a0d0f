"""Declared views: tables, actions, forms and menu tiles that the shell renders."""

from kontor.web.views.declarations import (
    Action,
    AppMenu,
    Column,
    DetailView,
    Filter,
    FormView,
    Kind,
    MenuEntry,
    RowButton,
    SavedFilters,
    Section,
    SectionUpload,
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
    "RowButton",
    "SavedFilters",
    "Section",
    "SectionUpload",
    "TableView",
    "ViewContext",
]
