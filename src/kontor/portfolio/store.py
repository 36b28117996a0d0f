"""The SQL store of the portfolio; every query is scoped to the caller's tenant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from kontor.db.fast import FastStatement
from kontor.portfolio import rows
from kontor.portfolio.domain import BankAccount, Claim, ClaimsRatio, Contract, Customer, Entity
from kontor.portfolio.errors import (
    ConcurrentPortfolioChange,
    EntityInUse,
    PortfolioEntityNotFound,
)
from kontor.portfolio.merge_key import contract_merge_key, merge_key_digest, normalized
from kontor.portfolio.tables import bank_accounts, claims, claims_ratios, contracts, customers

T = TypeVar("T")
_LABELS = {
    Entity.CUSTOMER: "customer",
    Entity.BANK_ACCOUNT: "bank account",
    Entity.CONTRACT: "contract",
    Entity.CLAIM: "claim",
    Entity.CLAIMS_RATIO: "claims ratio",
}


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of entities in creation order and the cursor of the next (None: last page)."""

    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class _Statements:
    """One entity table's statements for single rows, built once (a forward runs them all)."""

    get: FastStatement
    insert: FastStatement
    save: FastStatement
    delete: FastStatement


@cache
def _statements(table: Table, key: str) -> _Statements:
    one = (table.c.tenant_id == bindparam("b_tenant")) & (table.c[key] == bindparam("b_id"))
    return _Statements(
        get=FastStatement(select(table).where(one)),
        insert=FastStatement(insert(table)),
        save=FastStatement(update(table).where(one, table.c.version == bindparam("b_version"))),
        delete=FastStatement(delete(table).where(one)),
    )


@cache
def _ids_where(table: Table, key: str, column: str) -> FastStatement:
    return FastStatement(
        select(table.c[key]).where(
            table.c.tenant_id == bindparam("b_tenant"), table.c[column] == bindparam("b_value")
        )
    )


class EntityTable(Generic[T]):
    """One kind of portfolio entity of one tenant: add, get, save, delete, page."""

    def __init__(
        self,
        connection: Connection,
        tenant_id: str,
        entity: Entity,
        table: Table,
        key: str,
        to_row: Callable[[T], dict[str, Any]],
        of_row: Callable[[Mapping[Any, Any]], T],
    ) -> None:
        self.connection = connection
        self.tenant_id = tenant_id
        self.entity = entity
        self.table = table
        self.key = key
        self._to_row: Callable[[T], dict[str, Any]] = to_row
        self._of_row: Callable[[Mapping[Any, Any]], T] = of_row
        self._statements = _statements(table, key)

    def row(self, item: T) -> dict[str, Any]:
        """The row ``item`` is stored as."""
        return self._to_row(item)

    def add(self, item: T, now: dt.datetime) -> T:
        """Store a new ``item`` (its version as given, 1 for a new entity)."""
        values = {**self.row(item), "tenant_id": self.tenant_id}
        values |= {"created_at": now, "updated_at": now}
        self._statements.insert.execute(self.connection, values)
        return item

    def get(self, item_id: str) -> T:
        """The entity ``item_id``; not found when it is not the tenant's."""
        found = self.find(item_id)
        if found is None:
            label = _LABELS[self.entity]
            raise PortfolioEntityNotFound(
                f"{label} {item_id!r} not found", entity=self.entity.value, id=item_id
            )
        return found

    def find(self, item_id: str) -> T | None:
        """The entity ``item_id`` or None."""
        params = {"b_tenant": self.tenant_id, "b_id": item_id}
        row = self._statements.get.first_row(self.connection, params)
        return None if row is None else self._of_row(row._asdict())

    def save(self, item: T, expected_version: int, now: dt.datetime) -> T:
        """Store the changed ``item`` if it is still at ``expected_version``; the new version."""
        item_id = getattr(item, self.key)
        saved: T = replace(cast(Any, item), version=expected_version + 1)
        matching = {"b_tenant": self.tenant_id, "b_id": item_id, "b_version": expected_version}
        changed = self._statements.save.execute(
            self.connection, {**self.row(saved), "updated_at": now, **matching}
        )
        if changed != 1:
            current: int = cast(Any, self.get(item_id)).version  # not found stays not found
            raise ConcurrentPortfolioChange(
                f"{_LABELS[self.entity]} {item_id!r} is at version {current}, "
                f"not {expected_version}; load it again",
                field="version",
                version=current,
            )
        return saved

    def delete(self, item_id: str) -> None:
        """Delete the entity ``item_id`` (not found when it is not the tenant's)."""
        self.get(item_id)
        self._statements.delete.execute(
            self.connection, {"b_tenant": self.tenant_id, "b_id": item_id}
        )

    def page(
        self,
        limit: int,
        after: str | None = None,
        equal: Mapping[str, Any] | None = None,
        search: ColumnElement[bool] | None = None,
    ) -> Page[T]:
        """Entities in creation order whose columns equal ``equal``, ``limit`` at most."""
        conditions = [self._mine()]
        conditions += [self.table.c[name] == value for name, value in (equal or {}).items()]
        if search is not None:
            conditions.append(search)
        if after is not None:
            conditions.append(self.table.c[self.key] > after)
        found = self.connection.execute(
            select(self.table)
            .where(and_(*conditions))
            .order_by(self.table.c[self.key])
            .limit(limit + 1)
        ).all()
        items = [self._of_row(row._mapping) for row in found[:limit]]
        cursor = getattr(items[-1], self.key) if len(found) > limit else None
        return Page(items, cursor)

    def ids_where(self, column: str, value: str) -> list[str]:
        """The ids of the tenant's entities whose ``column`` equals ``value``."""
        statement = _ids_where(self.table, self.key, column)
        found = statement.all_rows(self.connection, {"b_tenant": self.tenant_id, "b_value": value})
        return sorted(row[0] for row in found)

    def _mine(self) -> ColumnElement[bool]:
        return self.table.c.tenant_id == self.tenant_id


class PortfolioStore:
    """The portfolio of one tenant: customers, bank accounts, contracts, claims, ratios."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self.connection = connection
        self.tenant_id = tenant_id
        self.customers = EntityTable[Customer](
            connection, tenant_id, Entity.CUSTOMER, customers, "customer_id",
            rows.customer_row, rows.customer_of,
        )  # fmt: skip
        self.bank_accounts = EntityTable[BankAccount](
            connection, tenant_id, Entity.BANK_ACCOUNT, bank_accounts, "account_id",
            rows.bank_account_row, rows.bank_account_of,
        )  # fmt: skip
        self.contracts = EntityTable[Contract](
            connection, tenant_id, Entity.CONTRACT, contracts, "contract_id",
            self._contract_row, rows.contract_of,
        )  # fmt: skip
        self.claims = EntityTable[Claim](
            connection, tenant_id, Entity.CLAIM, claims, "claim_id",
            rows.claim_row, rows.claim_of,
        )  # fmt: skip
        self.claims_ratios = EntityTable[ClaimsRatio](
            connection, tenant_id, Entity.CLAIMS_RATIO, claims_ratios, "ratio_id",
            rows.claims_ratio_row, rows.claims_ratio_of,
        )  # fmt: skip

    def table_of(self, entity: Entity) -> EntityTable[Any]:
        """The table of one kind of entity."""
        tables: dict[Entity, EntityTable[Any]] = {
            Entity.CUSTOMER: self.customers,
            Entity.BANK_ACCOUNT: self.bank_accounts,
            Entity.CONTRACT: self.contracts,
            Entity.CLAIM: self.claims,
            Entity.CLAIMS_RATIO: self.claims_ratios,
        }
        return tables[entity]

    def _contract_row(self, contract: Contract) -> dict[str, Any]:
        customer = self.customers.get(contract.customer_id)
        return rows.contract_row(contract, merge_key_digest(contract_merge_key(customer, contract)))

    def refresh_merge_keys(self, customer_id: str) -> None:
        """Recompute the merge keys of the customer's contracts (after the customer changed)."""
        customer = self.customers.get(customer_id)
        for contract_id in self.contracts.ids_where("customer_id", customer_id):
            contract = self.contracts.get(contract_id)
            digest = merge_key_digest(contract_merge_key(customer, contract))
            self.connection.execute(
                update(contracts)
                .where(
                    contracts.c.tenant_id == self.tenant_id, contracts.c.contract_id == contract_id
                )
                .values(merge_key=digest)
            )

    def contracts_with_merge_key(self, key: str) -> list[Contract]:
        """The tenant's contracts whose merge key is ``key`` (the text of ``merge_key``)."""
        found = self.connection.execute(
            select(contracts)
            .where(
                contracts.c.tenant_id == self.tenant_id,
                contracts.c.merge_key == merge_key_digest(key),
            )
            .order_by(contracts.c.contract_id)
        )
        return [rows.contract_of(row._mapping) for row in found]

    def delete_customer(self, customer_id: str) -> list[str]:
        """Delete a customer without contracts and its bank accounts; the accounts' ids."""
        self.customers.get(customer_id)
        held = self.contracts.ids_where("customer_id", customer_id)
        if held:
            raise EntityInUse(
                f"customer {customer_id!r} still holds {len(held)} contract(s); delete them first",
                contracts=held,
            )
        accounts = self.bank_accounts.ids_where("customer_id", customer_id)
        for account_id in accounts:
            self.bank_accounts.delete(account_id)
        self.customers.delete(customer_id)
        return accounts

    def delete_contract(self, contract_id: str) -> list[tuple[Entity, str]]:
        """Delete a contract with its claims and claims ratios; what was deleted with it."""
        self.contracts.get(contract_id)
        removed = [
            (Entity.CLAIM, claim) for claim in self.claims.ids_where("contract_id", contract_id)
        ]
        removed += [
            (Entity.CLAIMS_RATIO, ratio)
            for ratio in self.claims_ratios.ids_where("contract_id", contract_id)
        ]
        for entity, item_id in removed:
            self.table_of(entity).delete(item_id)
        self.contracts.delete(contract_id)
        return removed


def customer_search(text: str) -> ColumnElement[bool]:
    """Customers whose names, number, postal code or city contain ``text`` (folded)."""
    return customers.c.search_text.contains(normalized(text), autoescape=True)


def contract_search(text: str) -> ColumnElement[bool]:
    """Contracts whose policy number or insurer name contains ``text`` (any case)."""
    pattern = text.strip().lower()
    return func.lower(contracts.c.policy_number).contains(pattern, autoescape=True) | func.lower(
        contracts.c.insurer_name
    ).contains(pattern, autoescape=True)
