"""Links between instances started by call activities and the instances that called them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from kontor.process.runtime import InstanceStatus
from kontor.process.store.tables import process_instances as table


@dataclass(frozen=True)
class ParentLink:
    """The calling instance and the token waiting at its call activity."""

    instance_id: str
    token_id: str


def active_children(
    connection: Connection, tenant_id: str, parent_id: str, token_id: str
) -> list[str]:
    """The still active instances that ``parent_id``'s token ``token_id`` called."""
    rows = connection.execute(
        select(table.c.instance_id)
        .where(
            table.c.tenant_id == tenant_id,
            table.c.parent_instance_id == parent_id,
            table.c.parent_token_id == token_id,
            table.c.status == InstanceStatus.ACTIVE.value,
        )
        .order_by(table.c.started_at, table.c.instance_id)
    )
    return [row.instance_id for row in rows]
