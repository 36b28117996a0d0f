"""``kontor audit``: seal, verify (exit 1 naming the broken entry), export and erase."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from typer.testing import CliRunner

from kontor.bootstrap import Kontor
from kontor.bootstrap import bootstrap as real_bootstrap
from kontor.cli import app, audit_cmd
from kontor.platform.audit import audit_entries
from kontor.process import BroadcastSignal
from kontor.settings import Settings


@pytest.fixture
def kontor(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Kontor:
    """The CLI's bootstrap returns a Kontor on the test database."""

    def test_bootstrap(settings: Settings, **_: object) -> Kontor:
        return real_bootstrap(settings, engine=engine)

    monkeypatch.setattr(audit_cmd, "bootstrap", test_bootstrap)
    wired = test_bootstrap(Settings())
    for name in ("first", "second", "=third"):
        wired.bus.handle(BroadcastSignal(tenant_id="t1", name=name, actor="clerk"))
    return wired


def test_seal_then_verify_until_a_row_is_changed(kontor: Kontor) -> None:
    runner = CliRunner()
    sealed = runner.invoke(app, ["audit", "seal", "--grace", "0"])
    assert sealed.exit_code == 0, sealed.output
    (seal,) = json.loads(sealed.output)
    assert (seal["tenant_id"], seal["last_position"]) == ("t1", 3)

    intact = runner.invoke(app, ["audit", "verify", "--tenant", "t1"])
    assert intact.exit_code == 0, intact.output
    assert "intact" in intact.output

    with kontor.engine.begin() as connection:
        connection.execute(
            update(audit_entries)
            .where(audit_entries.c.entity_id == "second")
            .values(actor="someone-else")
        )
        changed = connection.scalar(
            audit_entries.select()
            .with_only_columns(audit_entries.c.entry_id)
            .where(audit_entries.c.entity_id == "second")
        )
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"entry {changed}" in broken.output
    assert "changed" in broken.output


def test_export_csv_and_xlsx_files(kontor: Kontor, tmp_path: Path) -> None:
    runner = CliRunner()
    printed = runner.invoke(app, ["audit", "export", "--tenant", "t1"])
    assert printed.exit_code == 0, printed.output
    assert "'=third" in printed.output
    target = tmp_path / "audit.xlsx"
    written = runner.invoke(
        app, ["audit", "export", "--tenant", "t1", "--format", "xlsx", "--output", str(target)]
    )
    assert written.exit_code == 0, written.output
    assert target.read_bytes().startswith(b"PK")


def test_erase_keeps_the_log_verifiable(kontor: Kontor) -> None:
    runner = CliRunner()
    erased = runner.invoke(
        app, ["audit", "erase", "--tenant", "t1", "--subject", "case:4711", "--actor", "dpo"]
    )
    assert erased.exit_code == 0, erased.output
    assert json.loads(erased.output)["erased_entries"] == 0
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    exported = runner.invoke(app, ["audit", "export", "--tenant", "t1", "--actor", "dpo"])
    assert "audit.erase,data_subject,case:4711" in exported.output
