"""Copies of portfolio data in another tenant, each recording its origin (design guide §2a).

When a broker forwards a contract to an insurer, the contract, its customer with the bank
accounts, its claims and its claims ratios are copied into the insurer's tenant. Each copy
records its origin (tenant, entity, id, version). Copying again or :func:`overwrite_copy`
brings the copies up to the origin's state; :func:`delete_copies` removes every copy of an
origin in every tenant, and with it what hangs on the copy (a contract copy's claims, …), so
no copy survives its origin's deletion. All functions work in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, select

from kontor.db.fast import FastStatement
from kontor.db.ids import time_ordered_id
from kontor.portfolio.domain import Entity, Origin
from kontor.portfolio.errors import InvalidPortfolioData
from kontor.portfolio.store import EntityTable, PortfolioStore
from kontor.portfolio.tables import TABLES

_KEYS = {
    "portfolio_customers": (Entity.CUSTOMER, "customer_id"),
    "portfolio_bank_accounts": (Entity.BANK_ACCOUNT, "account_id"),
    "portfolio_contracts": (Entity.CONTRACT, "contract_id"),
    "portfolio_claims": (Entity.CLAIM, "claim_id"),
    "portfolio_claims_ratios": (Entity.CLAIMS_RATIO, "ratio_id"),
}


@dataclass(frozen=True)
class CopiedContract:
    """The ids of a contract's copies in the target tenant."""

    tenant_id: str
    contract_id: str
    customer_id: str
    bank_account_ids: tuple[str, ...]
    claim_ids: tuple[str, ...]
    claims_ratio_ids: tuple[str, ...]


@dataclass(frozen=True)
class DeletedCopy:
    """One copy that was deleted: its tenant, entity kind and id."""

    tenant_id: str
    entity: Entity
    entity_id: str


def copy_contract(
    connection: Connection,
    source_tenant_id: str,
    contract_id: str,
    target_tenant_id: str,
    now: dt.datetime,
) -> CopiedContract:
    """Copy a contract with its customer, bank accounts, claims and claims ratios to the target.

    Copies that exist already (found by their origin) are overwritten, so forwarding twice
    leaves one copy; a customer forwarded with two contracts is copied once. Copies of bank
    accounts, claims and ratios whose origin is gone are deleted.
    """
    if source_tenant_id == target_tenant_id:
        raise InvalidPortfolioData(
            "a contract is copied into another tenant, not its own", field="tenant_id"
        )
    source = PortfolioStore(connection, source_tenant_id)
    target = PortfolioStore(connection, target_tenant_id)
    contract = source.contracts.get(contract_id)
    customer = source.customers.get(contract.customer_id)
    customer_copy = _upsert(target.customers, source_tenant_id, customer, {}, now)
    accounts = _sync_children(
        source.bank_accounts, target.bank_accounts, "customer_id",
        customer.customer_id, customer_copy, now,
    )  # fmt: skip
    contract_copy = _upsert(
        target.contracts, source_tenant_id, contract, {"customer_id": customer_copy}, now
    )
    claim_copies = _sync_children(
        source.claims, target.claims, "contract_id", contract.contract_id, contract_copy, now
    )
    ratio_copies = _sync_children(
        source.claims_ratios, target.claims_ratios, "contract_id",
        contract.contract_id, contract_copy, now,
    )  # fmt: skip
    return CopiedContract(
        target_tenant_id, contract_copy, customer_copy, accounts, claim_copies, ratio_copies
    )


def overwrite_copy(
    connection: Connection, tenant_id: str, copy_contract_id: str, now: dt.datetime
) -> CopiedContract:
    """Bring the contract copy ``copy_contract_id`` of ``tenant_id`` up to its origin's state.

    A contract that is no copy is refused; an origin that is gone is not found (delete the
    copies with :func:`delete_copies` then).
    """
    copy = PortfolioStore(connection, tenant_id).contracts.get(copy_contract_id)
    origin = copy.origin
    if origin is None:
        raise InvalidPortfolioData(
            f"contract {copy_contract_id!r} is no copy; it has no origin", field="contract_id"
        )
    return copy_contract(connection, origin.tenant_id, origin.entity_id, tenant_id, now)


def copies_of(
    connection: Connection, origin_tenant_id: str, entity: Entity, origin_id: str
) -> list[tuple[str, str]]:
    """(tenant, id) of every direct copy of the origin entity, in any tenant."""
    params = {"b_tenant": origin_tenant_id, "b_entity": entity.value, "b_id": origin_id}
    return [(row[0], row[1]) for row in _copies_query(entity).all_rows(connection, params)]


@cache
def _copies_query(entity: Entity) -> FastStatement:
    table = _table_of(entity)
    key = _KEYS[table.name][1]
    return FastStatement(
        select(table.c.tenant_id, table.c[key])
        .where(
            table.c.origin_tenant_id == bindparam("b_tenant"),
            table.c.origin_entity == bindparam("b_entity"),
            table.c.origin_id == bindparam("b_id"),
        )
        .order_by(table.c.tenant_id, table.c[key])
    )


def delete_copies(
    connection: Connection, origin_tenant_id: str, entity: Entity, origin_id: str
) -> list[DeletedCopy]:
    """Delete every copy of the origin entity in every tenant, and the copies of those copies.

    A deleted contract copy takes its claims and ratios with it, and its customer copy when the
    customer holds no other contract there; a deleted customer copy takes its bank accounts
    and contracts. Returns what was deleted.
    """
    deleted: list[DeletedCopy] = []
    for tenant_id, copy_id in copies_of(connection, origin_tenant_id, entity, origin_id):
        deleted += _delete_with_dependants(connection, tenant_id, entity, copy_id)
    return deleted


def delete_copies_from_tenants(connection: Connection, tenant_ids: list[str]) -> list[DeletedCopy]:
    """Delete every copy whose origin lies in one of ``tenant_ids`` (a deleted broker system)."""
    deleted: list[DeletedCopy] = []
    for table in TABLES:
        entity, key = _KEYS[table.name]
        found = connection.execute(
            select(table.c.tenant_id, table.c[key]).where(table.c.origin_tenant_id.in_(tenant_ids))
        ).all()
        for tenant_id, copy_id in found:
            deleted += _delete_with_dependants(connection, tenant_id, entity, copy_id)
    return deleted


def _delete_with_dependants(
    connection: Connection, tenant_id: str, entity: Entity, entity_id: str
) -> list[DeletedCopy]:
    store = PortfolioStore(connection, tenant_id)
    if store.table_of(entity).find(entity_id) is None:
        return []  # went with an entity deleted before it
    removed: list[tuple[Entity, str]] = []
    if entity is Entity.CONTRACT:
        customer_id = store.contracts.get(entity_id).customer_id
        removed = store.delete_contract(entity_id)
        removed.append((Entity.CONTRACT, entity_id))
        customer = store.customers.get(customer_id)
        if customer.origin is not None and not store.contracts.ids_where(
            "customer_id", customer_id
        ):
            removed += [(Entity.BANK_ACCOUNT, a) for a in store.delete_customer(customer_id)]
            removed.append((Entity.CUSTOMER, customer_id))
    elif entity is Entity.CUSTOMER:
        for contract_id in store.contracts.ids_where("customer_id", entity_id):
            removed += store.delete_contract(contract_id)
            removed.append((Entity.CONTRACT, contract_id))
        removed += [(Entity.BANK_ACCOUNT, a) for a in store.delete_customer(entity_id)]
        removed.append((Entity.CUSTOMER, entity_id))
    else:
        store.table_of(entity).delete(entity_id)
        removed.append((entity, entity_id))
    deleted = [DeletedCopy(tenant_id, kind, item_id) for kind, item_id in removed]
    for kind, item_id in removed:  # copies of these copies (forwarded further) go too
        deleted += delete_copies(connection, tenant_id, kind, item_id)
    return deleted


def _upsert(
    target: EntityTable[Any],
    source_tenant_id: str,
    item: Any,
    links: dict[str, str],
    now: dt.datetime,
) -> str:
    """The id of the copy of ``item`` in the target, created or overwritten."""
    item_id = getattr(item, target.key)
    origin = Origin(source_tenant_id, target.entity.value, item_id, item.version)
    found = copies_of(target.connection, source_tenant_id, target.entity, item_id)
    existing = [copy_id for tenant_id, copy_id in found if tenant_id == target.tenant_id]
    if existing:
        current = target.get(existing[0])
        fresh = replace(item, **{target.key: existing[0]}, **links, origin=origin)
        target.save(replace(fresh, version=current.version), current.version, now)
        return str(existing[0])
    copy_id = time_ordered_id()
    target.add(replace(item, **{target.key: copy_id}, **links, origin=origin, version=1), now)
    return copy_id


def _sync_children(
    source: EntityTable[Any],
    target: EntityTable[Any],
    parent_column: str,
    parent_id: str,
    parent_copy_id: str,
    now: dt.datetime,
) -> tuple[str, ...]:
    """Copy the source children of ``parent_id``; drop copies whose origin child is gone."""
    copied = []
    origins = set(source.ids_where(parent_column, parent_id))
    for child_id in sorted(origins):
        child = source.get(child_id)
        copied.append(
            _upsert(target, source.tenant_id, child, {parent_column: parent_copy_id}, now)
        )
    for stale in target.ids_where(parent_column, parent_copy_id):
        item = target.get(stale)
        if (
            item.origin is not None
            and item.origin.tenant_id == source.tenant_id
            and (item.origin.entity_id not in origins)
        ):
            target.delete(stale)
    return tuple(copied)


def _table_of(entity: Entity) -> Any:
    for table in TABLES:
        if _KEYS[table.name][0] is entity:
            return table
    raise KeyError(entity)  # pragma: no cover - every entity has a table
