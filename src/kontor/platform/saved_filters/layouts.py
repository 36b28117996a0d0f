"""Each user's column layout of a table: the columns shown and their order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Connection, and_, delete, insert, select, update

from kontor.platform.saved_filters.tables import table_layouts


class TableLayouts:
    """The column layouts of one tenant's users."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self.connection = connection
        self.tenant_id = tenant_id

    def columns_of(self, user_id: str, table_id: str) -> list[str] | None:
        """The column keys the user shows in the table, in order (None: the table's own)."""
        found = self.connection.execute(
            select(table_layouts.c.columns).where(self._key(user_id, table_id))
        ).scalar_one_or_none()
        return None if found is None else [str(key) for key in found]

    def save(self, user_id: str, table_id: str, columns: Sequence[str], now: dt.datetime) -> None:
        """Keep the user's layout of the table (replacing the one before)."""
        values = {"columns": list(columns), "updated_at": now}
        changed = self.connection.execute(
            update(table_layouts).where(self._key(user_id, table_id)).values(**values)
        )
        if changed.rowcount == 0:
            self.connection.execute(
                insert(table_layouts).values(
                    tenant_id=self.tenant_id, user_id=user_id, table_id=table_id, **values
                )
            )

    def reset(self, user_id: str, table_id: str) -> None:
        """Forget the user's layout: the table shows its own columns again."""
        self.connection.execute(delete(table_layouts).where(self._key(user_id, table_id)))

    def _key(self, user_id: str, table_id: str) -> ColumnElement[bool]:
        c = table_layouts.c
        return and_(c.tenant_id == self.tenant_id, c.user_id == user_id, c.table_id == table_id)
