"""Portfolio commands through the bus on both backends: events, merge keys, copies, money."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from kontor.bootstrap import Kontor
from kontor.messaging import outbox
from kontor.portfolio import (
    AddContract,
    AddCustomer,
    ChangeCustomer,
    ClaimFields,
    Contract,
    ContractFields,
    Customer,
    CustomerFields,
    DeleteCustomer,
    InvalidPortfolioData,
    PortfolioStore,
    RecordClaim,
    contract_merge_key,
    copy_contract,
)
from support.backends import BACKENDS
from support.kontor_app import kontor_on
from support.portfolio import CUSTOMER, HOUSEHOLD

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
TENANT = "makler"


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


def _customer(kontor: Kontor) -> Customer:
    customer: Customer = kontor.bus.handle(
        AddCustomer(tenant_id=TENANT, actor="u-1", customer=CustomerFields(**CUSTOMER))
    )
    return customer


def _contract(kontor: Kontor, customer: Customer, **changes: object) -> Contract:
    contract: Contract = kontor.bus.handle(
        AddContract(tenant_id=TENANT, actor="u-1", customer_id=customer.customer_id,
                    contract=ContractFields(**HOUSEHOLD | changes))
    )  # fmt: skip
    return contract


def test_commands_announce_what_they_did(kontor: Kontor, engine: Engine) -> None:
    customer = _customer(kontor)
    _contract(kontor, customer)
    with engine.connect() as connection:
        types = connection.execute(select(outbox.c.type_name)).scalars().all()
    assert types == ["portfolio.entity_added", "portfolio.entity_added"]


def test_a_moved_customer_moves_the_merge_keys_of_its_contracts(kontor: Kontor) -> None:
    customer = _customer(kontor)
    contract = _contract(kontor, customer)
    moved: Customer = kontor.bus.handle(
        ChangeCustomer(tenant_id=TENANT, customer_id=customer.customer_id, version=1,
                       changes={"address": {"street": "Neuer Weg", "house_number": "1",
                                            "postal_code": "04109", "city": "Leipzig"}})
    )  # fmt: skip
    assert (moved.version, moved.first_name, moved.address.city) == (2, "Anna", "Leipzig")
    with kontor.bus.unit_of_work() as uow:
        store = PortfolioStore(uow.connection, TENANT)
        assert store.contracts_with_merge_key(contract_merge_key(customer, contract)) == []
        assert store.contracts_with_merge_key(contract_merge_key(moved, contract)) == [contract]


def test_a_change_refused_by_the_domain_names_the_nested_field(kontor: Kontor) -> None:
    customer = _customer(kontor)
    with pytest.raises(InvalidPortfolioData) as refused:
        kontor.bus.handle(
            ChangeCustomer(tenant_id=TENANT, customer_id=customer.customer_id, version=1,
                           changes={"address": {"postal_code": 10115}})
        )  # fmt: skip
    assert refused.value.details["field"] == "address.postal_code"


def test_deleting_a_forwarded_customer_removes_its_copies(kontor: Kontor) -> None:
    customer = _customer(kontor)
    contract = _contract(kontor, customer)
    with kontor.bus.unit_of_work() as uow:
        copy_contract(uow.connection, TENANT, contract.contract_id, "versicherer", uow.clock.now())
        PortfolioStore(uow.connection, TENANT).delete_contract(contract.contract_id)
        uow.commit()  # the broker's contract is gone, the insurer's copy still there
    kontor.bus.handle(DeleteCustomer(tenant_id=TENANT, customer_id=customer.customer_id))
    with kontor.bus.unit_of_work() as uow:
        insurer = PortfolioStore(uow.connection, "versicherer")
        assert insurer.customers.page(10).items == []
        assert insurer.contracts.page(10).items == []


# Each example adds its own customer and contract, so sharing the wired Kontor is sound.
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=st.decimals(min_value=0, max_value=Decimal("9999999999999.99"), places=2))
def test_money_survives_the_round_trip_exactly(kontor: Kontor, amount: Decimal) -> None:
    customer = _customer(kontor)
    contract = _contract(kontor, customer, annual_premium_gross=amount, annual_premium_net=None)
    claim = kontor.bus.handle(
        RecordClaim(tenant_id=TENANT, contract_id=contract.contract_id,
                    claim=ClaimFields(occurred_on="2025-01-01", amount_paid=amount,
                                      reserve=amount))
    )  # fmt: skip
    with kontor.bus.unit_of_work() as uow:
        store = PortfolioStore(uow.connection, TENANT)
        stored = store.contracts.get(contract.contract_id)
        stored_claim = store.claims.get(claim.claim_id)
    assert str(stored.annual_premium_gross) == f"{amount:.2f}"
    assert stored_claim.amount_paid == stored_claim.reserve == amount
