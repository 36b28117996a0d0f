"""``kontor transfer install`` deploys the app in a tenant; ``run`` runs the due work now."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from kontor.apps.portfolio_transfer import EASY_BKM
from kontor.bootstrap import Kontor
from kontor.bootstrap import bootstrap as real_bootstrap
from kontor.cli import app, transfer_cmd
from kontor.messaging import FakeClock
from kontor.platform import TenantKind, provision_tenant
from kontor.process.store.tables import process_definitions
from kontor.rules.deployment import RuleStore
from kontor.settings import Settings


@pytest.fixture
def kontor(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Kontor:
    def test_bootstrap(settings: Settings, **_: object) -> Kontor:
        return real_bootstrap(settings, engine=engine, clock=FakeClock())

    monkeypatch.setattr(transfer_cmd, "bootstrap", test_bootstrap)
    return test_bootstrap(Settings())


def test_install_deploys_the_models_and_the_easy_bkm_switch(kontor: Kontor) -> None:
    with kontor.bus.unit_of_work() as uow:
        provision_tenant(uow.connection, "vu", "VU", TenantKind.INSURER, uow.clock.now())
        uow.commit()
    runner = CliRunner()
    result = runner.invoke(app, ["transfer", "install", "vu"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"tenant_id": "vu", "installed": True}
    with kontor.engine.connect() as connection:
        keys = set(connection.execute(
            select(process_definitions.c.process_key).where(process_definitions.c.tenant_id == "vu")
        ).scalars())  # fmt: skip
        assert RuleStore(connection, "vu").find_binding(EASY_BKM.name) is not None
    assert keys == {"PortfolioTransferRequest", "PortfolioTransferUnderwriting"}
    unknown = runner.invoke(app, ["transfer", "install", "nobody"])
    assert unknown.exit_code == 2
    ran = runner.invoke(app, ["transfer", "run"])
    assert json.loads(ran.output) == {"calculations": 0, "applications": 0}
