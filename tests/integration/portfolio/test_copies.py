"""Copies of forwarded contracts in another tenant, on both backends: origins, overwrite, delete."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from kontor.portfolio import (
    Entity,
    InvalidPortfolioData,
    PortfolioStore,
    copy_contract,
    delete_copies,
    delete_copies_from_tenants,
    overwrite_copy,
)
from kontor.portfolio.tables import TABLES
from support.backends import BACKENDS
from support.portfolio import NOW, add_person_with_contract

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
BROKER, INSURER, REINSURER = "makler", "versicherer", "rueckversicherer"


def _rows_of(engine: Engine, tenant_id: str) -> int:
    with engine.connect() as connection:
        return sum(
            connection.execute(
                select(func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
            ).scalar_one()
            for table in TABLES
        )


def test_a_copy_records_its_origin_and_keeps_the_data(engine: Engine) -> None:
    with engine.begin() as connection:
        customer, contract = add_person_with_contract(connection, BROKER)
        copied = copy_contract(connection, BROKER, contract.contract_id, INSURER, NOW)
    with engine.connect() as connection:
        store = PortfolioStore(connection, INSURER)
        copy = store.contracts.get(copied.contract_id)
        customer_copy = store.customers.get(copied.customer_id)
    assert copy.origin is not None
    assert (copy.origin.tenant_id, copy.origin.entity, copy.origin.entity_id) == (
        BROKER, "contract", contract.contract_id,
    )  # fmt: skip
    assert copy.customer_id == customer_copy.customer_id != customer.customer_id
    assert replace(copy, contract_id=contract.contract_id, customer_id=customer.customer_id,
                   origin=None) == contract  # fmt: skip
    assert customer_copy.last_name == "Müller"
    assert (len(copied.bank_account_ids), len(copied.claim_ids)) == (1, 1)
    assert len(copied.claims_ratio_ids) == 1


def test_copying_again_overwrites_the_one_copy(engine: Engine) -> None:
    with engine.begin() as connection:
        _, contract = add_person_with_contract(connection, BROKER)
        first = copy_contract(connection, BROKER, contract.contract_id, INSURER, NOW)
    with engine.begin() as connection:
        store = PortfolioStore(connection, BROKER)
        changed = replace(contract, annual_premium_gross=Decimal("200.00"))
        store.contracts.save(changed, contract.version, NOW)
        again = overwrite_copy(connection, INSURER, first.contract_id, NOW)
    assert again == first
    with engine.connect() as connection:
        copy = PortfolioStore(connection, INSURER).contracts.get(first.contract_id)
    assert copy.annual_premium_gross == Decimal("200.00")
    assert copy.origin is not None
    assert copy.origin.version == 2
    assert _rows_of(engine, INSURER) == _rows_of(engine, BROKER)


def test_no_copy_survives_the_deletion_of_its_origin(engine: Engine) -> None:
    with engine.begin() as connection:
        _, contract = add_person_with_contract(connection, BROKER)
        first = copy_contract(connection, BROKER, contract.contract_id, INSURER, NOW)
        copy_contract(connection, INSURER, first.contract_id, REINSURER, NOW)  # forwarded on
    assert _rows_of(engine, REINSURER) == 5
    with engine.begin() as connection:
        PortfolioStore(connection, BROKER).delete_contract(contract.contract_id)
        deleted = delete_copies(connection, BROKER, Entity.CONTRACT, contract.contract_id)
    assert {copy.tenant_id for copy in deleted} == {INSURER, REINSURER}
    assert _rows_of(engine, INSURER) == 0
    assert _rows_of(engine, REINSURER) == 0
    assert _rows_of(engine, BROKER) == 2  # the customer and the bank account stay with the broker


def test_a_customer_copy_stays_while_another_forwarded_contract_needs_it(engine: Engine) -> None:
    with engine.begin() as connection:
        customer, contract = add_person_with_contract(connection, BROKER)
        store = PortfolioStore(connection, BROKER)
        second = store.contracts.add(
            replace(contract, contract_id="second-contract", policy_number="HR-4712"), NOW
        )
        copy_contract(connection, BROKER, contract.contract_id, INSURER, NOW)
        copied = copy_contract(connection, BROKER, second.contract_id, INSURER, NOW)
        delete_copies(connection, BROKER, Entity.CONTRACT, contract.contract_id)
    with engine.connect() as connection:
        insurer = PortfolioStore(connection, INSURER)
        assert [c.customer_id for c in insurer.customers.page(10).items] == [copied.customer_id]
        assert [c.contract_id for c in insurer.contracts.page(10).items] == [copied.contract_id]
    with engine.begin() as connection:
        delete_copies(connection, BROKER, Entity.CUSTOMER, customer.customer_id)
    assert _rows_of(engine, INSURER) == 0


def test_deleting_a_broker_system_removes_its_copies_elsewhere(engine: Engine) -> None:
    with engine.begin() as connection:
        _, contract = add_person_with_contract(connection, BROKER)
        copy_contract(connection, BROKER, contract.contract_id, INSURER, NOW)
        delete_copies_from_tenants(connection, [BROKER])
    assert _rows_of(engine, INSURER) == 0


def test_a_contract_is_not_copied_into_its_own_tenant(engine: Engine) -> None:
    with engine.begin() as connection:
        _, contract = add_person_with_contract(connection, BROKER)
        with pytest.raises(InvalidPortfolioData):
            copy_contract(connection, BROKER, contract.contract_id, BROKER, NOW)
