"""The portfolio store on both backends: round trips, versions, tenants, paging, merge keys."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from kontor.db.ids import time_ordered_id
from kontor.portfolio import (
    ConcurrentPortfolioChange,
    EntityInUse,
    Peril,
    PortfolioEntityNotFound,
    PortfolioStore,
    build_contract,
    build_customer,
    contract_merge_key,
)
from kontor.portfolio.store import contract_search, customer_search
from support.backends import BACKENDS
from support.portfolio import CUSTOMER, HOUSEHOLD, NOW, add_person_with_contract

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def test_a_contract_reads_back_exactly_as_stored(engine: Engine) -> None:
    with engine.begin() as connection:
        customer, contract = add_person_with_contract(connection, "broker")
    with engine.connect() as connection:
        store = PortfolioStore(connection, "broker")
        assert store.customers.get(customer.customer_id) == customer
        stored = store.contracts.get(contract.contract_id)
        [claim] = store.claims.page(10, equal={"contract_id": contract.contract_id}).items
        [ratio] = store.claims_ratios.page(10).items
    assert stored == contract
    assert stored.annual_premium_gross == Decimal("189.37")
    assert str(stored.details.sum_insured) == "65000.00"  # type: ignore[union-attr]
    assert stored.details.perils == (  # type: ignore[union-attr]
        Peril.BURGLARY, Peril.FIRE, Peril.TAP_WATER, Peril.STORM, Peril.OVERVOLTAGE,
    )  # fmt: skip
    assert (str(claim.amount_paid), str(claim.reserve)) == ("1234.56", "100.00")
    assert str(ratio.ratio) == "0.6519"


def test_another_tenant_sees_nothing(engine: Engine) -> None:
    with engine.begin() as connection:
        customer, contract = add_person_with_contract(connection, "broker")
    with engine.connect() as connection:
        other = PortfolioStore(connection, "other")
        with pytest.raises(PortfolioEntityNotFound):
            other.contracts.get(contract.contract_id)
        with pytest.raises(PortfolioEntityNotFound):
            other.customers.get(customer.customer_id)
        assert other.contracts.page(10).items == []


def test_a_stale_version_is_refused_and_changes_nothing(engine: Engine) -> None:
    with engine.begin() as connection:
        _, contract = add_person_with_contract(connection, "broker")
    with engine.begin() as connection:
        store = PortfolioStore(connection, "broker")
        saved = store.contracts.save(replace(contract, remarks="erste Änderung"), 1, NOW)
    assert saved.version == 2
    with engine.begin() as connection, pytest.raises(ConcurrentPortfolioChange, match="version 2"):
        PortfolioStore(connection, "broker").contracts.save(replace(contract, remarks="x"), 1, NOW)
    with engine.connect() as connection:
        assert PortfolioStore(connection, "broker").contracts.get(contract.contract_id) == saved


def test_pages_follow_the_cursor_and_search_folds_umlauts(engine: Engine) -> None:
    with engine.begin() as connection:
        store = PortfolioStore(connection, "broker")
        names = ["Müller", "Meier", "Schulz", "Mueller-Lang", "Özdemir"]
        for name in names:
            store.customers.add(
                build_customer(time_ordered_id(), CUSTOMER | {"last_name": name}), NOW
            )
    with engine.connect() as connection:
        store = PortfolioStore(connection, "broker")
        first = store.customers.page(2)
        second = store.customers.page(2, after=first.next_cursor)
        third = store.customers.page(2, after=second.next_cursor)
        found = store.customers.page(10, search=customer_search("müller"))
    seen = [c.last_name for c in first.items + second.items + third.items]
    assert seen == names
    assert third.next_cursor is None
    assert [c.last_name for c in found.items] == ["Müller", "Mueller-Lang"]


def test_contracts_are_found_by_policy_number_and_by_merge_key(engine: Engine) -> None:
    with engine.begin() as connection:
        customer, contract = add_person_with_contract(connection, "broker")
    with engine.connect() as connection:
        store = PortfolioStore(connection, "broker")
        by_number = store.contracts.page(10, search=contract_search("hr-47"))
        twin = build_contract("x", customer.customer_id, HOUSEHOLD | {"policy_number": "HR 4711"})
        duplicates = store.contracts_with_merge_key(contract_merge_key(customer, twin))
    assert [c.contract_id for c in by_number.items] == [contract.contract_id]
    assert [c.contract_id for c in duplicates] == [contract.contract_id]


def test_a_customer_with_contracts_is_not_deleted(engine: Engine) -> None:
    with engine.begin() as connection:
        customer, contract = add_person_with_contract(connection, "broker")
    with engine.begin() as connection:
        store = PortfolioStore(connection, "broker")
        with pytest.raises(EntityInUse):
            store.delete_customer(customer.customer_id)
        removed = store.delete_contract(contract.contract_id)
        assert len(removed) == 2  # the claim and the claims ratio
        assert len(store.delete_customer(customer.customer_id)) == 1  # the bank account
        assert store.bank_accounts.page(10).items == []
