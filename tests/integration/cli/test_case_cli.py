"""``kontor case list`` and ``show`` print a tenant's cases, filtered, with their timeline."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontor.bootstrap import Kontor
from kontor.bootstrap import bootstrap as real_bootstrap
from kontor.casework.cases import Case, CommentOnCase, OpenCase
from kontor.cli import app, case_cmd
from kontor.messaging import FakeClock
from kontor.settings import Settings
from support.cases import case_types


@pytest.fixture
def kontor(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Kontor:
    def test_bootstrap(settings: Settings, **_: object) -> Kontor:
        return real_bootstrap(settings, engine=engine, clock=FakeClock(), case_types=case_types())

    monkeypatch.setattr(case_cmd, "bootstrap", test_bootstrap)
    return test_bootstrap(Settings())


def _open(kontor: Kontor, key: str, owner: str) -> Case:
    case: Case = kontor.bus.handle(
        OpenCase(tenant_id="t1", case_type="claim", business_key=key, title=key, owner=owner,
                 data={"claim_number": key})
    )  # fmt: skip
    return case


def test_cases_are_listed_with_filters_and_shown_with_their_timeline(kontor: Kontor) -> None:
    first = _open(kontor, "S-1", "u-anna")
    _open(kontor, "S-2", "u-ben")
    kontor.bus.handle(CommentOnCase(tenant_id="t1", actor="u-ben", case_id=first.case_id,
                                    text="Rückruf"))  # fmt: skip
    runner = CliRunner()
    listed = runner.invoke(app, ["case", "list", "--tenant", "t1", "--data", "claim_number:S-1"])
    assert listed.exit_code == 0, listed.output
    assert [c["business_key"] for c in json.loads(listed.output)["items"]] == ["S-1"]
    by_owner = runner.invoke(app, ["case", "list", "--tenant", "t1", "--owner", "u-ben"])
    assert [c["business_key"] for c in json.loads(by_owner.output)["items"]] == ["S-2"]
    shown = runner.invoke(app, ["case", "show", first.case_id, "--tenant", "t1"])
    assert shown.exit_code == 0, shown.output
    assert [e["kind"] for e in json.loads(shown.output)["timeline"]] == ["created", "commented"]
    foreign = runner.invoke(app, ["case", "show", first.case_id, "--tenant", "t2"])
    assert foreign.exit_code == 2
    assert "not found" in foreign.output
    bad = runner.invoke(app, ["case", "list", "--tenant", "t1", "--data", "claim_number"])
    assert (bad.exit_code, "field:value" in bad.output) == (2, True)
