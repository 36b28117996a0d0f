"""The portfolio port on ``kontor.portfolio``: contract facts, copies with origin links."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy import Connection

from kontor.apps.portfolio_transfer.portfolio_port import ContractFacts
from kontor.portfolio import (
    BuildingDetails,
    Entity,
    HouseholdDetails,
    PortfolioStore,
    copy_contract,
    decode_risk_text,
    delete_copies,
)


class PortfolioAdapter:
    """Reads Hausrat and Wohngebäude contracts of ``kontor.portfolio`` and copies them."""

    def facts(
        self, connection: Connection, tenant_id: str, contract_id: str
    ) -> ContractFacts | None:
        """The contract's facts, or None when the tenant has no such contract."""
        store = PortfolioStore(connection, tenant_id)
        contract = store.contracts.find(contract_id)
        if contract is None:
            return None
        customer = store.customers.find(contract.customer_id)
        holder = customer.display_name if customer is not None else ""
        details = contract.details
        sum_insured = living_area = value_1914 = None
        zone, perils = None, ""
        if isinstance(details, HouseholdDetails | BuildingDetails):
            sum_insured, living_area = details.sum_insured, details.living_area
            given_zone = details.tariff_zone or ""
            zone = int(given_zone) if given_zone.isdigit() else None
            perils = details.risk_text
        if isinstance(details, BuildingDetails):
            value_1914 = details.value_1914
        origin = contract.origin
        return ContractFacts(
            contract_id=contract.contract_id,
            label=f"{contract.policy_number} {holder}".strip(),
            line_of_business=contract.line_of_business,
            sum_insured=sum_insured or Decimal(0),
            living_area=living_area or Decimal(0),
            tariff_zone=zone,
            perils=perils,
            previous_premium=contract.annual_premium_gross,
            origin=None if origin is None else (origin.tenant_id, origin.entity_id),
            value_1914=value_1914 or Decimal(0),
        )

    def copy(
        self,
        connection: Connection,
        tenant_id: str,
        contract_id: str,
        to_tenant_id: str,
        now: dt.datetime,
    ) -> str:
        """Copy the contract with customer, bank accounts, claims and ratios; the copy's id."""
        return copy_contract(connection, tenant_id, contract_id, to_tenant_id, now).contract_id

    def overwrite_copy(
        self,
        connection: Connection,
        tenant_id: str,
        contract_id: str,
        to_tenant_id: str,
        now: dt.datetime,
    ) -> str:
        """Bring the copy up to the contract's current data (copying again overwrites)."""
        return self.copy(connection, tenant_id, contract_id, to_tenant_id, now)

    def delete_copies(
        self, connection: Connection, tenant_id: str, contract_id: str, to_tenant_id: str
    ) -> int:
        """Delete the contract's copies in ``to_tenant_id`` and what hangs on them."""
        deleted = delete_copies(connection, tenant_id, Entity.CONTRACT, contract_id)
        return sum(1 for d in deleted if d.tenant_id == to_tenant_id)

    def set_facts(
        self,
        connection: Connection,
        tenant_id: str,
        contract_id: str,
        values: Mapping[str, Decimal | int | str],
        now: dt.datetime,
    ) -> dict[str, Decimal | int | str]:
        """Set facts on a Hausrat or Wohngebäude contract; those its line has and were set."""
        contracts = PortfolioStore(connection, tenant_id).contracts
        contract = contracts.get(contract_id)
        details = contract.details
        if not isinstance(details, HouseholdDetails | BuildingDetails):
            return {}
        changes: dict[str, object] = {}
        done: dict[str, Decimal | int | str] = {}
        for name, value in values.items():
            if name == "perils":
                changes["perils"] = decode_risk_text(str(value))
            elif name == "tariff_zone":
                changes["tariff_zone"] = str(value)
            elif name in ("living_area", "sum_insured", "value_1914") and hasattr(details, name):
                changes[name] = Decimal(str(value))
            else:
                continue
            done[name] = value
        if changes:
            changed = dataclasses.replace(details, **changes)  # type: ignore[arg-type]
            contracts.save(dataclasses.replace(contract, details=changed), contract.version, now)
        return done
