"""The declaration vocabulary: an app describes its tables, actions and forms; the shell renders.

Modelled on Django admin's ``ModelAdmin`` (columns, search fields, filters, ordering, actions
with permissions, a per-request row query for scoping) without its pains: counting is optional,
filter options load only when the table is shown and only from the caller's tenant, and only
whitelisted (indexed) columns sort.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Select

from kontor.bootstrap import Kontor
from kontor.platform import Principal

if TYPE_CHECKING:
    from kontor.web.views.state import TableState


class Kind(StrEnum):
    """How a column's values are shown (and exported)."""

    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"
    BADGE = "badge"  # a short status word, translated through the view's ``labels``
    USER = "user"  # a user id, shown as the user's name
    SIZE = "size"  # a file's size in bytes, shown as 1,5 MB


@dataclass(frozen=True)
class ViewContext:
    """Who looks at a view and with what: the wired process, the caller, now, the language."""

    kontor: Kontor
    principal: Principal
    now: dt.datetime
    language: str = "de"


@dataclass(frozen=True)
class Column:
    """A column: the key of the row query's column, its German label and how it shows."""

    key: str
    label: str
    kind: Kind = Kind.TEXT
    sortable: bool = False  # only columns with an index behind them
    labels: Mapping[str, str] = field(default_factory=dict)  # value → German word (badges)
    link: Callable[[Mapping[str, Any]], str | None] | None = None  # the row's page or file


@dataclass(frozen=True)
class Filter:
    """A filter offered above the table; its options load when the table is shown.

    Without ``column`` the view's ``rows`` applies the value itself (it gets every filter
    value); with it, the shell keeps the rows whose column equals the chosen value.
    """

    key: str
    label: str
    options: Callable[[ViewContext], Sequence[tuple[str, str]]]
    default: str = ""
    column: bool = False


class ActionRun(Protocol):
    """What an action does to one row (raise a ``KontorError`` to refuse it)."""

    def __call__(self, context: ViewContext, row_id: str, reason: str | None) -> None: ...


@dataclass(frozen=True)
class Action:
    """An action on rows: from the context menu, for one row or the whole selection."""

    name: str
    label: str
    permission: str
    run: ActionRun
    selection: bool = True  # offered for several selected rows too


class SavedFilters(Protocol):
    """The hook for a saved-filter store: named table states of a user (search, filters, sort)."""

    def saved(self, context: ViewContext, view: str) -> Sequence[tuple[str, str]]:
        """The caller's saved filters of ``view``: (label, query string)."""
        ...


RowQuery = Callable[[ViewContext, Mapping[str, str]], Select[Any]]


@dataclass(frozen=True)
class PagedRows:
    """A page a view's own pager read: its rows (one more than the page: another follows)."""

    rows: list[dict[str, Any]]
    total: int
    estimated: bool = False


RowPager = Callable[[ViewContext, "TableState", int, int], PagedRows | None]
"""(context, state, offset, rows wanted) → the page, or None where only the row query serves."""


@dataclass(frozen=True)
class TableView:
    """A table at ``path``: rows from a tenant-scoped query, with search, sort, filters, actions.

    ``rows`` returns a SELECT with a column ``id`` and one column per ``Column.key``, already
    limited to the caller's tenant and what they may see; the shell adds search, filters,
    sorting and paging on top of it.
    """

    name: str
    path: str
    title: str
    permission: str
    columns: tuple[Column, ...]
    rows: RowQuery
    default_sort: str  # a column key; "-key" sorts descending
    search_fields: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    actions: tuple[Action, ...] = ()
    detail_url: Callable[[Mapping[str, Any]], str] | None = None
    export_permission: str | None = None  # None: no export
    page_size: int = 25
    count: bool = True  # False for huge tables: no COUNT(*), only "next page"
    exact_count_up_to: int | None = None
    """Beyond this many matches PostgreSQL's planner estimates the total (shown as "ca."), so
    that a long list is not walked to its end on every page; None counts every row."""
    pager: RowPager | None = None
    """A faster way to a page for the states it understands (the work list's queue walks)."""
    saved_filters: SavedFilters | None = None
    create: MenuEntry | None = None  # a link above the table to a form adding a row

    def column(self, key: str) -> Column | None:
        """The column called ``key``."""
        return next((c for c in self.columns if c.key == key), None)

    def sortable(self) -> frozenset[str]:
        """The keys that may be sorted on."""
        return frozenset(c.key for c in self.columns if c.sortable)

    def action(self, name: str) -> Action | None:
        """The action called ``name``."""
        return next((a for a in self.actions if a.name == name), None)


@dataclass(frozen=True)
class RowButton:
    """A button on the rows of a section (removing a document, …): it posts to ``url(row)``
    after the question ``confirm``; holders of ``permission`` see it on rows with a url."""

    label: str
    permission: str
    url: Callable[[Mapping[str, Any]], str | None]
    confirm: str


@dataclass(frozen=True)
class SectionUpload:
    """A file upload below a section: the file (multipart ``file``) goes to ``url(item_id)``,
    a route of the application's that answers with the item's page."""

    label: str
    permission: str
    url: Callable[[str], str]


@dataclass(frozen=True)
class Section:
    """A part of a detail view: a small table of rows that belong to the shown item, with an
    optional button per row and an optional upload below it."""

    title: str
    columns: tuple[Column, ...]
    rows: Callable[[ViewContext, str], Sequence[Mapping[str, Any]]]
    button: RowButton | None = None
    upload: SectionUpload | None = None


@dataclass(frozen=True)
class DetailView:
    """One item at ``{path}/{id}``: its fields, then its sections (data, links, history, …).

    ``load`` returns the item as a mapping (with the ``title_field`` for the heading), or None
    when the caller's tenant has no such item (the page answers 404).
    """

    name: str
    path: str
    permission: str
    title_field: str
    load: Callable[[ViewContext, str], Mapping[str, Any] | None]
    fields: tuple[Column, ...]
    sections: tuple[Section, ...] = ()
    back: tuple[str, str] | None = None  # (label, url) of the list it belongs to
    not_found: str = "Diesen Eintrag gibt es nicht."
    id_name: str = "item_id"  # the path parameter: ``{path}/{item_id}``
    links: Callable[[Mapping[str, Any]], Sequence[tuple[str, str]]] | None = None
    """A submenu of the item's page: (label, url) pairs for the shown item."""
    audited_as: str | None = None
    """The item's entity type in the audit log: a *Historie* link for those who read the log."""


@dataclass(frozen=True)
class FormView:
    """A form from a JSON Schema with UI hints (labels, widgets, order), validated on submit.

    ``ui`` maps a property to hints: ``label``, ``widget`` (``textarea``, ``select``, ``radio``,
    ``password``: never filled in), ``help`` and ``options`` (enum value → German word).
    """

    key: str
    title: str
    schema: Mapping[str, Any]
    ui: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def fields(self) -> list[str]:
        """The properties in the order to show them."""
        properties = list(self.schema.get("properties", {}))
        order = [
            name for name in self.ui.get("__order__", {}).get("fields", []) if name in properties
        ]
        return order + [name for name in properties if name not in order]


@dataclass(frozen=True)
class MenuEntry:
    """One entry of an app in the menu, shown to holders of ``permission``."""

    label: str
    url: str
    permission: str
    unless: str | None = None  # hidden from holders of this permission (the other side)

    def shown_to(self, permissions: frozenset[str]) -> bool:
        """Whether a holder of ``permissions`` sees this entry."""
        return self.permission in permissions and self.unless not in permissions


@dataclass(frozen=True)
class AppMenu:
    """An app's tile in the menu: shown when the caller's groups install the app."""

    app: str
    title: str
    entries: tuple[MenuEntry, ...] = ()
    description: str = ""
