"""Saving, changing and using filters: checked against the fields their table declares."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from kontor.db.ids import time_ordered_id
from kontor.errors import InvalidInput
from kontor.messaging import Change, UnitOfWork
from kontor.platform.saved_filters.conditions import FilterFields, Node, parse_filter, to_json
from kontor.platform.saved_filters.errors import NotFilterOwner
from kontor.platform.saved_filters.store import SavedFilter, SavedFilterStore

SAVED_FILTER = "saved_filter"


@dataclass(frozen=True)
class FilterUser:
    """Who saves or uses a filter: a user of a tenant with their groups."""

    tenant_id: str
    user_id: str
    groups: frozenset[str]


@dataclass(frozen=True)
class FilterDraft:
    """What a user gives for a new or changed filter (None: unchanged on a change)."""

    name: str | None = None
    definition: Mapping[str, Any] | None = None
    shared_group: str | None = None
    sort: str | None = None
    unshare: bool = False


class SavedFilters:
    """Saved filters over the tables that declare their fields here (table id → fields)."""

    def __init__(self, tables: Mapping[str, FilterFields]) -> None:
        self.tables = tables

    def fields(self, table_id: str) -> FilterFields:
        """The fields ``table_id`` offers; 422 for a table that offers none."""
        fields = self.tables.get(table_id)
        if fields is None:
            known = ", ".join(sorted(self.tables))
            raise InvalidInput(
                f"no table {table_id!r} offers filters (known: {known})", field="table_id"
            )
        return fields

    def parse(self, table_id: str, definition: Any, where: str = "filter") -> Node:
        """The checked condition tree of ``definition`` for the table."""
        return parse_filter(definition, self.fields(table_id), where)

    def create(
        self, uow: UnitOfWork, user: FilterUser, table_id: str, draft: FilterDraft
    ) -> SavedFilter:
        """Save a new filter of the user (private unless ``shared_group``)."""
        if not draft.name or not draft.name.strip():
            raise InvalidInput("a filter needs a name", field="name")
        tree = self.parse(table_id, draft.definition, "definition")
        now = uow.clock.now()
        saved = SavedFilter(
            filter_id=time_ordered_id(), table_id=table_id, name=draft.name.strip(),
            owner=user.user_id, shared_group=_group(user, draft.shared_group),
            definition=to_json(tree), sort=draft.sort, created_at=now, updated_at=now,
        )  # fmt: skip
        SavedFilterStore(uow.connection, user.tenant_id).add(saved)
        _record(uow, user, "filters.create", saved)
        return saved

    def change(
        self, uow: UnitOfWork, user: FilterUser, filter_id: str, draft: FilterDraft
    ) -> SavedFilter:
        """Change the owner's filter: the fields given (``unshare`` makes it private)."""
        store = SavedFilterStore(uow.connection, user.tenant_id)
        saved = _owned(store, user, filter_id)
        if draft.name is not None and not draft.name.strip():
            raise InvalidInput("a filter needs a name", field="name")
        definition = saved.definition
        if draft.definition is not None:
            definition = to_json(self.parse(saved.table_id, draft.definition, "definition"))
        shared = None if draft.unshare else saved.shared_group
        if draft.shared_group is not None:
            shared = _group(user, draft.shared_group)
        changed = replace(
            saved,
            name=draft.name.strip() if draft.name else saved.name,
            definition=definition,
            shared_group=shared,
            sort=draft.sort if draft.sort is not None else saved.sort,
            updated_at=uow.clock.now(),
        )
        store.replace(changed)
        _record(uow, user, "filters.change", changed)
        return changed

    def delete(self, uow: UnitOfWork, user: FilterUser, filter_id: str) -> None:
        """Delete the owner's filter."""
        store = SavedFilterStore(uow.connection, user.tenant_id)
        saved = _owned(store, user, filter_id)
        store.remove(filter_id)
        _record(uow, user, "filters.delete", saved)

    def tree(self, saved: SavedFilter) -> Node:
        """The condition tree of a saved filter (checked again: the table may have changed)."""
        return self.parse(saved.table_id, dict(saved.definition), "filter_id")


def _owned(store: SavedFilterStore, user: FilterUser, filter_id: str) -> SavedFilter:
    saved = store.visible(filter_id, user.user_id, user.groups)
    if saved.owner != user.user_id:
        raise NotFilterOwner(f"only the user who saved filter {filter_id} may change it")
    return saved


def _group(user: FilterUser, group: str | None) -> str | None:
    if group is not None and group not in user.groups:
        raise InvalidInput(f"you are no member of group {group!r}", field="shared_group")
    return group


def _record(uow: UnitOfWork, user: FilterUser, action: str, saved: SavedFilter) -> None:
    after = {"name": saved.name, "table_id": saved.table_id, "shared_group": saved.shared_group}
    uow.record(
        Change(action, SAVED_FILTER, saved.filter_id, after=after), user.tenant_id, user.user_id
    )
