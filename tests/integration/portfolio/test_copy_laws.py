"""Laws of origin links under any sequence of forwarding, changing and deleting: every copy's
origin exists, and each origin has at most one copy per tenant."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, and_, select

from kontor.bootstrap import Kontor
from kontor.portfolio import (
    AddContract,
    AddCustomer,
    ChangeContract,
    Contract,
    ContractFields,
    Customer,
    CustomerFields,
    DeleteContract,
    DeleteCustomer,
    EntityInUse,
    PortfolioEntityNotFound,
    PortfolioStore,
    copy_contract,
)
from kontor.portfolio.tables import TABLES
from support.backends import BACKENDS
from support.kontor_app import kontor_on
from support.portfolio import CUSTOMER, HOUSEHOLD

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
_KEYS = {table.name: next(iter(table.primary_key.columns)).name for table in TABLES}
_runs = itertools.count()

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("forward"), st.integers(0, 2), st.sampled_from(["insurer", "re"])),
        st.tuples(st.just("forward_copy"), st.integers(0, 2), st.just("re")),
        st.tuples(st.just("change"), st.integers(0, 2), st.just("")),
        st.tuples(st.just("delete_contract"), st.integers(0, 2), st.just("")),
        st.tuples(st.just("delete_customer"), st.just(0), st.just("")),
    ),
    max_size=8,
)


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


def _broken_links(engine: Engine) -> list[Any]:
    broken: list[Any] = []
    with engine.connect() as connection:
        for table in TABLES:
            origin = table.alias("origin")
            key = _KEYS[table.name]
            found = select(table.c.tenant_id, table.c[key]).where(
                table.c.origin_tenant_id.is_not(None),
                ~select(origin.c[key])
                .where(and_(origin.c.tenant_id == table.c.origin_tenant_id,
                            origin.c[key] == table.c.origin_id))
                .exists(),
            )  # fmt: skip
            broken += connection.execute(found).all()
            copies = connection.execute(
                select(table.c.tenant_id, table.c.origin_tenant_id, table.c.origin_id).where(
                    table.c.origin_tenant_id.is_not(None)
                )
            ).all()
            broken += [link for link, count in Counter(map(tuple, copies)).items() if count > 1]
    return broken


# Each example works in tenants of its own, so sharing the wired Kontor is sound.
@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_no_copy_outlives_its_origin(
    kontor: Kontor, engine: Engine, operations: list[tuple[str, int, str]]
) -> None:
    run = next(_runs)
    broker, tenants = f"makler-{run}", {"insurer": f"vu-{run}", "re": f"rv-{run}"}
    customer: Customer = kontor.bus.handle(
        AddCustomer(tenant_id=broker, customer=CustomerFields(**CUSTOMER))
    )
    contracts: list[Contract] = [
        kontor.bus.handle(AddContract(
            tenant_id=broker, customer_id=customer.customer_id,
            contract=ContractFields(**HOUSEHOLD | {"policy_number": f"HR-{n}"}),
        ))
        for n in range(3)
    ]  # fmt: skip
    forwarded: dict[int, str] = {}
    for operation, index, target in operations:
        contract_id = contracts[index].contract_id
        try:
            if operation in ("forward", "forward_copy"):
                with kontor.bus.unit_of_work() as uow:
                    if operation == "forward":
                        copied = copy_contract(
                            uow.connection, broker, contract_id, tenants[target], uow.clock.now()
                        )
                        forwarded[index] = copied.contract_id
                    elif index in forwarded:  # the insurer forwards its copy on
                        copy_contract(uow.connection, tenants["insurer"], forwarded[index],
                                      tenants["re"], uow.clock.now())  # fmt: skip
                    uow.commit()
            elif operation == "change":
                version = _version(kontor, broker, contract_id)
                change = {"remarks": "neu"}
                kontor.bus.handle(
                    ChangeContract(
                        tenant_id=broker, contract_id=contract_id, version=version, changes=change
                    )
                )
            elif operation == "delete_contract":
                kontor.bus.handle(DeleteContract(tenant_id=broker, contract_id=contract_id))
            else:
                kontor.bus.handle(
                    DeleteCustomer(tenant_id=broker, customer_id=customer.customer_id)
                )
        except (PortfolioEntityNotFound, EntityInUse):
            continue  # deleted before, or still in use: nothing changed
    assert _broken_links(engine) == []


def _version(kontor: Kontor, tenant_id: str, contract_id: str) -> int:
    with kontor.bus.unit_of_work() as uow:
        return PortfolioStore(uow.connection, tenant_id).contracts.get(contract_id).version
