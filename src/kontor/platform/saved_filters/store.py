"""Saved filters of one tenant: the owner's and those shared to the viewer's groups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from kontor.platform.saved_filters.errors import SavedFilterNameTaken, SavedFilterNotFound
from kontor.platform.saved_filters.tables import saved_filters


@dataclass(frozen=True)
class SavedFilter:
    """A named filter of one table: private to its owner unless shared to a group."""

    filter_id: str
    table_id: str
    name: str
    owner: str
    shared_group: str | None
    definition: Mapping[str, Any]
    sort: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class SavedFilterStore:
    """Reads and writes the saved filters of ``tenant_id`` on the caller's connection."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self.connection = connection
        self.tenant_id = tenant_id

    def add(self, saved: SavedFilter) -> None:
        """Insert a new filter; its name must be new for its owner and table."""
        self._write(insert(saved_filters).values(**_row(saved), tenant_id=self.tenant_id), saved)

    def replace(self, saved: SavedFilter) -> None:
        """Write a changed filter."""
        self._write(
            update(saved_filters)
            .where(
                saved_filters.c.tenant_id == self.tenant_id,
                saved_filters.c.filter_id == saved.filter_id,
            )
            .values(**_row(saved)),
            saved,
        )

    def _write(self, statement: Any, saved: SavedFilter) -> None:
        try:
            with self.connection.begin_nested():
                self.connection.execute(statement)
        except IntegrityError:
            raise SavedFilterNameTaken(
                f"a filter named {saved.name!r} for {saved.table_id} exists already",
                field="name",
            ) from None

    def remove(self, filter_id: str) -> None:
        """Delete the filter."""
        self.connection.execute(
            delete(saved_filters).where(
                saved_filters.c.tenant_id == self.tenant_id,
                saved_filters.c.filter_id == filter_id,
            )
        )

    def visible(self, filter_id: str, user_id: str, groups: frozenset[str]) -> SavedFilter:
        """The filter if the user owns it or it is shared to one of their groups; else 404."""
        row = self.connection.execute(
            select(saved_filters).where(
                saved_filters.c.tenant_id == self.tenant_id,
                saved_filters.c.filter_id == filter_id,
                _seen_by(user_id, groups),
            )
        ).first()
        if row is None:
            raise SavedFilterNotFound(f"filter {filter_id} not found", filter_id=filter_id)
        return _saved(row._mapping)

    def of_viewer(
        self, user_id: str, groups: frozenset[str], table_id: str | None = None
    ) -> list[SavedFilter]:
        """The filters the user owns or sees through a group, by table and name."""
        query = select(saved_filters).where(
            saved_filters.c.tenant_id == self.tenant_id, _seen_by(user_id, groups)
        )
        if table_id is not None:
            query = query.where(saved_filters.c.table_id == table_id)
        rows = self.connection.execute(
            query.order_by(saved_filters.c.table_id, saved_filters.c.name, saved_filters.c.owner)
        )
        return [_saved(row._mapping) for row in rows]


def _seen_by(user_id: str, groups: frozenset[str]) -> Any:
    return or_(saved_filters.c.owner == user_id, saved_filters.c.shared_group.in_(sorted(groups)))


def _row(saved: SavedFilter) -> dict[str, Any]:
    return {
        "filter_id": saved.filter_id,
        "table_id": saved.table_id,
        "name": saved.name,
        "owner": saved.owner,
        "shared_group": saved.shared_group,
        "definition": dict(saved.definition),
        "sort": saved.sort,
        "created_at": saved.created_at,
        "updated_at": saved.updated_at,
    }


def _saved(row: RowMapping) -> SavedFilter:
    return SavedFilter(**{name: row[name] for name in SavedFilter.__dataclass_fields__})
