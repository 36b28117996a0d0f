"""``kontor schedule``: create, list, pause, resume, run now, runs and delete from the shell."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontor.bootstrap import Kontor
from kontor.bootstrap import bootstrap as real_bootstrap
from kontor.cli import app, schedule_cmd
from kontor.messaging import FakeClock
from kontor.settings import Settings


@pytest.fixture
def kontor(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Kontor:
    def test_bootstrap(settings: Settings, **_: object) -> Kontor:
        return real_bootstrap(settings, engine=engine, clock=FakeClock())

    monkeypatch.setattr(schedule_cmd, "bootstrap", test_bootstrap)
    return test_bootstrap(Settings())


def test_a_schedule_is_managed_from_the_command_line(kontor: Kontor) -> None:
    runner = CliRunner()
    created = runner.invoke(app, [
        "schedule", "create", "Nachtlauf", "30 2 * * *", "process.start", "--tenant", "t1",
        "--payload", '{"process_key": "Ping"}', "--window", "Mo-Fr", "--holiday-state", "NW",
    ])  # fmt: skip
    assert created.exit_code == 0, created.output
    schedule = json.loads(created.output)
    schedule_id = schedule["schedule_id"]
    assert schedule["next_due_at"].startswith("2026-01-02 01:30")  # Friday, 02:30 in Berlin
    listed = runner.invoke(app, ["schedule", "list", "--tenant", "t1"])
    assert [s["name"] for s in json.loads(listed.output)] == ["Nachtlauf"]
    paused = runner.invoke(app, ["schedule", "pause", schedule_id, "--tenant", "t1"])
    assert json.loads(paused.output)["paused"] is True
    resumed = runner.invoke(app, ["schedule", "resume", schedule_id, "--tenant", "t1"])
    assert json.loads(resumed.output)["paused"] is False
    ran = runner.invoke(app, ["schedule", "run", schedule_id, "--tenant", "t1"])
    assert ran.exit_code == 0, ran.output
    runs = json.loads(
        runner.invoke(app, ["schedule", "runs", schedule_id, "--tenant", "t1"]).output
    )
    assert [run["trigger"] for run in runs] == ["manual"]
    other = runner.invoke(app, ["schedule", "pause", schedule_id, "--tenant", "t2"])
    assert other.exit_code == 1
    assert "integration.schedule_not_found" in other.output
    bad = runner.invoke(app, ["schedule", "create", "X", "99 * * * *", "process.start",
                              "--tenant", "t1", "--payload", '{"process_key": "P"}'])  # fmt: skip
    assert bad.exit_code == 1
    assert "cron" in bad.output
    assert runner.invoke(app, ["schedule", "delete", schedule_id, "--tenant", "t1"]).exit_code == 0
