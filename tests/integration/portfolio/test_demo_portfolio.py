"""The development seed gives the demo broker a small portfolio, once."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from kontor.bootstrap import seed_development
from kontor.platform.demo import BROKER
from kontor.portfolio import PortfolioStore
from kontor.settings import Settings
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def test_the_demo_broker_has_household_and_building_contracts_once(engine: Engine) -> None:
    seed_development(engine, Settings())
    seed_development(engine, Settings())
    with engine.connect() as connection:
        store = PortfolioStore(connection, BROKER)
        contracts = store.contracts.page(100).items
        customers = store.customers.page(100).items
    assert len(customers) == 4
    assert sorted(c.line_of_business for c in contracts) == [
        "household", "household", "household", "residential_building", "residential_building",
    ]  # fmt: skip
    assert all(contract.details is not None for contract in contracts)
