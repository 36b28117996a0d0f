"""Deleting a broker system irreversibly: every row of it and of the broker systems below it.

The tables come from the schema's metadata, so a table added later is covered without a change
here: every table with a ``tenant_id`` column loses the rows of the deleted tenants, and every
table with an ``origin_tenant_id`` column the copies made of them in other tenants. The audit
log is chained per tenant, so deleting these tenants' entries and seals leaves every other
tenant's chain verifiable; the fact of the deletion is recorded in the deleting tenant's log,
with references and row counts only.

What the broker systems left running in other tenants (an insurer's underwriting cases of their
requests) is not the platform's to know: components hand in a ``BrokerSystemEnding`` that ends
it in the same unit of work, before the rows go, and say how many of what they ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection, MetaData, delete, select

from kontor.errors import Conflict, NotFound
from kontor.messaging import Change, UnitOfWork
from kontor.platform.permissions import TenantKind
from kontor.platform.tenants import Tenant, TenantStore, tenants

DELETE_BROKER_SYSTEM = "platform.delete_broker_system"
"""The audit action of a deletion; its entity is the deleted tenant (type ``tenant``)."""


@dataclass(frozen=True)
class DeletedBrokerSystem:
    """What a deletion removed: the tenants (the broker system first), rows per table, and what
    was ended in other tenants, counted by kind."""

    tenant_ids: list[str]
    rows: dict[str, int]
    ended: dict[str, int]


class BrokerSystemEnding(Protocol):
    """Ends, in ``uow``, what ``tenant_ids`` left running in other tenants; counts by kind."""

    def __call__(self, uow: UnitOfWork, tenant_ids: list[str]) -> dict[str, int]:
        """End it before the tenants' rows are deleted; return how many of each kind ended."""
        ...


def broker_system(connection: Connection, tenant_id: str) -> Tenant:
    """The broker system ``tenant_id``; any other tenant is not found."""
    tenant = TenantStore(connection).find(tenant_id)
    if tenant is None or tenant.kind is not TenantKind.BROKER:
        raise NotFound(f"broker system {tenant_id!r} not found", tenant_id=tenant_id)
    return tenant


def tenant_with_descendants(connection: Connection, tenant_id: str) -> list[str]:
    """``tenant_id`` and every tenant below it (sub-brokers, theirs, ...), parents first."""
    found = [tenant_id]
    level = [tenant_id]
    while level:
        level = list(
            connection.scalars(
                select(tenants.c.tenant_id)
                .where(tenants.c.parent_tenant_id.in_(level))
                .order_by(tenants.c.tenant_id)
            )
        )
        level = [child for child in level if child not in found]  # a cycle ends here
        found += level
    return found


def delete_tenant_rows(
    connection: Connection, schema: MetaData, tenant_ids: list[str]
) -> dict[str, int]:
    """Delete the rows of ``tenant_ids`` from every table with a ``tenant_id``; counts by table."""
    deleted: dict[str, int] = {}
    for table in reversed(schema.sorted_tables):  # rows that refer to others go first
        if "tenant_id" not in table.c:
            continue
        result = connection.execute(delete(table).where(table.c.tenant_id.in_(tenant_ids)))
        count = result.rowcount
        if "origin_tenant_id" in table.c:  # copies of their rows in other tenants go too
            copies = delete(table).where(table.c.origin_tenant_id.in_(tenant_ids))
            count += connection.execute(copies).rowcount
        if count:
            deleted[table.name] = count
    return deleted


def delete_broker_system(
    uow: UnitOfWork,
    schema: MetaData,
    tenant: Tenant,
    *,
    actor: str | None,
    recorded_in: str,
    endings: Sequence[BrokerSystemEnding] = (),
) -> DeletedBrokerSystem:
    """Delete ``tenant`` and the broker systems below it in the open transaction.

    Each of ``endings`` first ends what they left running elsewhere. Sessions and API tokens go
    with their rows, so they end at once. The deletion is recorded in the audit log of
    ``recorded_in`` (the deleting user's tenant).
    """
    tenant_ids = tenant_with_descendants(uow.connection, tenant.tenant_id)
    ended: dict[str, int] = {}
    for ending in endings:
        for kind, count in ending(uow, tenant_ids).items():
            if count:
                ended[kind] = ended.get(kind, 0) + count
    rows = delete_tenant_rows(uow.connection, schema, tenant_ids)
    change = Change(
        DELETE_BROKER_SYSTEM,
        "tenant",
        tenant.tenant_id,
        before={"tenant_ids": tenant_ids},
        after={"deleted_rows": rows, "ended": ended},
    )
    uow.record(change, recorded_in, actor)
    return DeletedBrokerSystem(tenant_ids, rows, ended)


def recording_tenant(connection: Connection, tenant: Tenant) -> str:
    """Where a deletion without a signed-in user is recorded: the parent, else the operator."""
    if tenant.parent_tenant_id is not None:
        return tenant.parent_tenant_id
    store = TenantStore(connection)
    operators = [t.tenant_id for t in store.list() if t.kind is TenantKind.OPERATOR]
    if not operators:
        raise Conflict(
            f"broker system {tenant.tenant_id!r} has no parent and there is no operator tenant "
            "to record its deletion in",
            tenant_id=tenant.tenant_id,
        )
    return operators[0]
