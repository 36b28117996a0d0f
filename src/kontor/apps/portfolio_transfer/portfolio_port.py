"""What the app needs of the portfolio: a contract's facts, and copies in the insurer's tenant.

``PortfolioAdapter`` implements it on ``kontor.portfolio``; another portfolio (an insurer's own
system) plugs in through ``register``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sqlalchemy import Connection


@dataclass(frozen=True)
class ContractFacts:
    """What the tariff and the lists need of a contract (Hausrat or Wohngebäude)."""

    contract_id: str
    label: str
    line_of_business: str  # "household" | "residential_building" | another (no tariff)
    sum_insured: Decimal
    living_area: Decimal
    tariff_zone: int | None
    perils: str  # the risk text's letters, e.g. "FELSH"
    previous_premium: Decimal | None
    origin: tuple[str, str] | None = None  # (tenant, contract) a copy came from
    value_1914: Decimal = Decimal(0)  # Wohngebäude: the sum as value 1914, if no sum insured


class PortfolioPort(Protocol):
    """Reads contracts and copies them (with customer, bank accounts, claims, ratios)."""

    def facts(
        self, connection: Connection, tenant_id: str, contract_id: str
    ) -> ContractFacts | None:
        """The contract's facts in ``tenant_id``, or None when the tenant has no such contract."""
        ...

    def copy(
        self,
        connection: Connection,
        tenant_id: str,
        contract_id: str,
        to_tenant_id: str,
        now: dt.datetime,
    ) -> str:
        """Copy the contract and what hangs on it into ``to_tenant_id``; the copy's id."""
        ...

    def overwrite_copy(
        self,
        connection: Connection,
        tenant_id: str,
        contract_id: str,
        to_tenant_id: str,
        now: dt.datetime,
    ) -> str:
        """Overwrite the copy in ``to_tenant_id`` with the contract's current data; its id."""
        ...

    def delete_copies(
        self, connection: Connection, tenant_id: str, contract_id: str, to_tenant_id: str
    ) -> int:
        """Delete every copy of the contract in ``to_tenant_id``; how many there were."""
        ...

    def set_facts(
        self,
        connection: Connection,
        tenant_id: str,
        contract_id: str,
        values: Mapping[str, Decimal | int | str],
        now: dt.datetime,
    ) -> dict[str, Decimal | int | str]:
        """Set facts (``tariff_zone``, ``living_area``, ``sum_insured``, ``value_1914``,
        ``perils``) on a contract of ``tenant_id``; those its line has and were set."""
        ...
