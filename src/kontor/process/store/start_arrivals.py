"""What the parallel multiple start events of a tenant's processes have received so far.

Each message or signal for such an event is kept as an arrival of one of its definitions; once
every definition has one, the oldest of each are taken together and an instance starts with
their variables. The arrivals of a start event are locked while one is added and counted, so
that two arriving at once in two processes start one instance, not none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from kontor.db.ids import time_ordered_id
from kontor.process.store.tables import process_start_arrivals, process_subscriptions


class StartArrivalStore:
    """One tenant's arrivals at parallel multiple start events, on a unit of work's connection."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def arrive(
        self,
        process_key: str,
        element_id: str,
        definition_index: int,
        definitions: int,
        variables: dict[str, Any],
        now: dt.datetime,
        definition_id: str,
    ) -> dict[int, dict[str, Any]] | None:
        """Keep an arrival; when each of the ``definitions`` has one, take the oldest of each
        and return their variables by definition index (else None)."""
        self._lock(definition_id, element_id)
        table = process_start_arrivals
        self._connection.execute(
            insert(table).values(
                arrival_id=time_ordered_id(), tenant_id=self._tenant_id, process_key=process_key,
                element_id=element_id, definition_index=definition_index, variables=variables,
                arrived_at=now,
            )
        )  # fmt: skip
        rows = self._connection.execute(
            select(table.c.arrival_id, table.c.definition_index, table.c.variables)
            .where(
                table.c.tenant_id == self._tenant_id,
                table.c.process_key == process_key,
                table.c.element_id == element_id,
            )
            .order_by(table.c.arrived_at, table.c.arrival_id)
        ).all()
        oldest: dict[int, Any] = {}
        for row in rows:
            oldest.setdefault(row.definition_index, row)
        if len(oldest) < definitions:
            return None
        taken = [row.arrival_id for row in oldest.values()]
        self._connection.execute(delete(table).where(table.c.arrival_id.in_(taken)))
        return {index: dict(row.variables) for index, row in sorted(oldest.items())}

    def _lock(self, definition_id: str, element_id: str) -> None:
        """Serialise arrivals at one start event: lock its start subscription rows."""
        if self._connection.dialect.name != "postgresql":
            return  # SQLite has one writer at a time
        table = process_subscriptions
        self._connection.execute(
            select(table.c.subscription_id)
            .where(
                table.c.tenant_id == self._tenant_id,
                table.c.instance_id == definition_id,
                table.c.element_id == element_id,
            )
            .with_for_update()
        )
