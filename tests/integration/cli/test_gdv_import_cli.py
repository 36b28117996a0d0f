"""``kontor gdv import`` loads a file into a tenant's portfolio, one progress line per step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontor.bootstrap import Kontor
from kontor.bootstrap import bootstrap as real_bootstrap
from kontor.cli import app, gdv_portfolio_cmd
from kontor.messaging import FakeClock
from kontor.platform import BROKERS, TenantKind
from kontor.settings import Settings
from support.gdv_files import claims_only_file, sample_bytes
from support.identity import api_caller


@pytest.fixture
def kontor(engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Kontor:
    def test_bootstrap(settings: Settings, **_: object) -> Kontor:
        return real_bootstrap(settings.model_copy(update={"data_dir": tmp_path}), engine=engine,
                              clock=FakeClock())  # fmt: skip

    monkeypatch.setattr(gdv_portfolio_cmd, "bootstrap", test_bootstrap)
    wired = test_bootstrap(Settings())
    api_caller(wired, "makler", kind=TenantKind.BROKER, group=BROKERS)
    return wired


def test_a_file_is_imported_showing_every_step(kontor: Kontor, tmp_path: Path) -> None:
    path = tmp_path / "bestand.gdv"
    path.write_bytes(sample_bytes())
    result = CliRunner().invoke(app, ["gdv", "import", str(path), "--tenant", "makler"])
    assert result.exit_code == 0, result.output
    steps = [line.split(":")[0] for line in result.stderr.splitlines()]
    assert steps == [f"Schritt {k}/9" for k in range(10)]
    assert "Verträge neu 14" in result.stderr.splitlines()[-1]
    assert '"contracts_created": 14' in result.stdout


def test_a_claims_file_ends_on_minus_1_with_exit_code_1(kontor: Kontor, tmp_path: Path) -> None:
    path = tmp_path / "schaden.gdv"
    path.write_bytes(claims_only_file())
    result = CliRunner().invoke(app, ["gdv", "import", str(path), "--tenant", "makler"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("Schritt -1/9: Es ist ein Fehler aufgetreten")
    assert "portfolio.gdv.not_portfolio_data" in result.stdout


def test_an_unknown_tenant_is_refused(kontor: Kontor, tmp_path: Path) -> None:
    path = tmp_path / "bestand.gdv"
    path.write_bytes(sample_bytes())
    result = CliRunner().invoke(app, ["gdv", "import", str(path), "--tenant", "niemand"])
    assert result.exit_code == 2
    assert "no tenant 'niemand'" in result.stderr


def test_an_exported_portfolio_imports_again_into_the_same_contracts(
    kontor: Kontor, tmp_path: Path
) -> None:
    path, exported = tmp_path / "bestand.gdv", tmp_path / "export.gdv"
    path.write_bytes(sample_bytes())
    runner = CliRunner()
    assert runner.invoke(app, ["gdv", "import", str(path), "--tenant", "makler"]).exit_code == 0
    written = runner.invoke(app, ["gdv", "export", "--tenant", "makler", "--output", str(exported)])
    assert written.exit_code == 0, written.output
    again = runner.invoke(app, ["gdv", "import", str(exported), "--tenant", "makler"])
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert (report["counts"]["contracts"], report["counts"]["skipped"]) == (14, 0)
    assert report["counts"]["contracts_unchanged"] == report["counts"]["merged"] == 14
    assert report["counts"]["contracts_created"] == 0


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def small_limit(settings: Settings, **_: object) -> Kontor:
        changed = settings.model_copy(update={"data_dir": tmp_path, "import_max_bytes": 1000})
        return real_bootstrap(changed, engine=engine, clock=FakeClock())

    monkeypatch.setattr(gdv_portfolio_cmd, "bootstrap", small_limit)
    api_caller(small_limit(Settings()), "makler", kind=TenantKind.BROKER, group=BROKERS)
    path = tmp_path / "bestand.gdv"
    path.write_bytes(sample_bytes())
    result = CliRunner().invoke(app, ["gdv", "import", str(path), "--tenant", "makler"])
    assert result.exit_code == 1
    assert "exceeds the limit of 1000 bytes" in result.stderr
    assert list((tmp_path / "uploads").iterdir()) == []
