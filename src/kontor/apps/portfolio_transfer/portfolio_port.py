"""What the app needs of the portfolio: a contract's facts, and copies in the insurer's tenant.

``kontor.portfolio`` implements it once merged; until then ``MemoryPortfolio`` serves as the
shipped test double (contracts kept in memory, copies with their origin).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Protocol

from sqlalchemy import Connection


@dataclass(frozen=True)
class ContractFacts:
    """What the tariff and the lists need of a contract (Hausrat or Wohngebäude)."""

    contract_id: str
    label: str
    line_of_business: str  # "hausrat" | "wohngebaeude" | another line (then no tariff)
    sum_insured: Decimal
    living_area: Decimal
    tariff_zone: int | None
    perils: str  # the risk text's letters, e.g. "FELSH"
    previous_premium: Decimal
    origin: tuple[str, str] | None = None  # (tenant, contract) a copy came from


class PortfolioPort(Protocol):
    """Reads contracts and copies them (with customer, bank accounts, claims, ratios)."""

    def facts(
        self, connection: Connection, tenant_id: str, contract_id: str
    ) -> ContractFacts | None:
        """The contract's facts in ``tenant_id``, or None when the tenant has no such contract."""
        ...

    def copy(
        self, connection: Connection, tenant_id: str, contract_id: str, to_tenant_id: str
    ) -> str:
        """Copy the contract and what hangs on it into ``to_tenant_id``; the copy's id."""
        ...

    def overwrite_copy(
        self, connection: Connection, tenant_id: str, contract_id: str, to_tenant_id: str
    ) -> str:
        """Overwrite the copy in ``to_tenant_id`` with the contract's current data; its id."""
        ...

    def delete_copies(
        self, connection: Connection, tenant_id: str, contract_id: str, to_tenant_id: str
    ) -> int:
        """Delete every copy of the contract in ``to_tenant_id``; how many there were."""
        ...


class MemoryPortfolio:
    """Contracts held in memory (the test double of the portfolio port)."""

    def __init__(self) -> None:
        self.contracts: dict[tuple[str, str], ContractFacts] = {}
        self._ids = itertools.count(1)

    def put(self, tenant_id: str, facts: ContractFacts) -> None:
        """Add or replace a contract of ``tenant_id``."""
        self.contracts[(tenant_id, facts.contract_id)] = facts

    def facts(
        self, connection: Connection, tenant_id: str, contract_id: str
    ) -> ContractFacts | None:
        """The contract's facts, if ``tenant_id`` holds it."""
        del connection
        return self.contracts.get((tenant_id, contract_id))

    def copy(
        self, connection: Connection, tenant_id: str, contract_id: str, to_tenant_id: str
    ) -> str:
        """A copy of the contract in ``to_tenant_id`` that remembers its origin."""
        self.delete_copies(connection, tenant_id, contract_id, to_tenant_id)
        original = self.contracts[(tenant_id, contract_id)]
        copy_id = f"copy-{next(self._ids)}"
        self.contracts[(to_tenant_id, copy_id)] = replace(
            original, contract_id=copy_id, origin=(tenant_id, contract_id)
        )
        return copy_id

    def overwrite_copy(
        self, connection: Connection, tenant_id: str, contract_id: str, to_tenant_id: str
    ) -> str:
        """Replace the copy with the contract's current data."""
        return self.copy(connection, tenant_id, contract_id, to_tenant_id)

    def delete_copies(
        self, connection: Connection, tenant_id: str, contract_id: str, to_tenant_id: str
    ) -> int:
        """Remove the copies of the contract in ``to_tenant_id``."""
        del connection
        copies = [
            key
            for key, facts in self.contracts.items()
            if key[0] == to_tenant_id and facts.origin == (tenant_id, contract_id)
        ]
        for key in copies:
            del self.contracts[key]
        return len(copies)
