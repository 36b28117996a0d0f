"""``kontor task``: a work list, a task with its history, and operations by a named user."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontor.api.filter_tables import SAVED_FILTERS, filter_user
from kontor.bootstrap import Kontor
from kontor.bootstrap import bootstrap as real_bootstrap
from kontor.casework.tasks import CreateTask, Task
from kontor.cli import app, task_cmd
from kontor.messaging import FakeClock
from kontor.platform import UNDERWRITERS, TenantKind
from kontor.platform.saved_filters import FilterDraft
from kontor.settings import Settings
from support.identity import TEST_TENANT, api_caller


@pytest.fixture
def kontor(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Kontor:
    def test_bootstrap(settings: Settings, **_: object) -> Kontor:
        return real_bootstrap(settings, engine=engine, clock=FakeClock())

    monkeypatch.setattr(task_cmd, "bootstrap", test_bootstrap)
    return test_bootstrap(Settings())


def test_a_user_claims_and_completes_a_task_from_the_command_line(kontor: Kontor) -> None:
    anna = api_caller(kontor, kind=TenantKind.INSURER, group=UNDERWRITERS, login="anna@t.test")
    user = anna.principal.user_id
    task: Task = kontor.bus.handle(
        CreateTask(tenant_id=TEST_TENANT, name="Rückruf", candidate_groups=[UNDERWRITERS],
                   priority=80)
    )  # fmt: skip
    kontor.bus.handle(CreateTask(tenant_id=TEST_TENANT, name="Ablage", priority=10))
    runner = CliRunner()
    base = ["--tenant", TEST_TENANT]
    queue = runner.invoke(app, ["task", "list", *base, "--as", user, "--view", "candidate"])
    assert queue.exit_code == 0, queue.output
    assert [t["name"] for t in json.loads(queue.output)["items"]] == ["Rückruf"]
    urgent = json.dumps({"field": "priority", "op": "ge", "value": 50})
    filtered = runner.invoke(app, ["task", "list", *base, "--filter", urgent])
    assert [t["name"] for t in json.loads(filtered.output)["items"]] == ["Rückruf"]
    with kontor.bus.unit_of_work() as uow:
        definition = {"field": "name", "op": "contains", "value": "rück"}
        saved = SAVED_FILTERS.create(uow, filter_user(anna.principal), "tasks",
                                     FilterDraft("Rückrufe", definition))  # fmt: skip
        uow.commit()
    by_saved = runner.invoke(
        app, ["task", "list", *base, "--as", user, "--filter-id", saved.filter_id]
    )
    assert [t["name"] for t in json.loads(by_saved.output)["items"]] == ["Rückruf"]
    claimed = runner.invoke(app, ["task", "claim", task.id, *base, "--as", user])
    assert claimed.exit_code == 0, claimed.output
    assert json.loads(claimed.output)["assignee"] == user
    again = runner.invoke(app, ["task", "claim", task.id, *base, "--as", user])
    assert again.exit_code == 2
    assert "cannot claim a task that is reserved" in again.output
    wrong = runner.invoke(app, ["task", "claim", task.id, *base, "--as", user, "--reason", "x"])
    assert (wrong.exit_code, "claim takes no reason" in wrong.output) == (2, True)
    done = runner.invoke(
        app, ["task", "complete", task.id, *base, "--as", user, "--data", '{"erreicht": true}']
    )
    assert done.exit_code == 0, done.output
    noted = runner.invoke(
        app, ["task", "comment", task.id, *base, "--as", user, "--message", "Kunde erreicht"]
    )
    assert noted.exit_code == 0, noted.output
    shown = runner.invoke(app, ["task", "show", task.id, *base])
    detail = json.loads(shown.output)
    assert (detail["state"], detail["variables"]) == ("completed", {"erreicht": True})
    operations = [h["operation"] for h in detail["history"]]
    assert operations == ["create", "claim", "complete", "comment"]
    assert detail["history"][-1]["details"] == {"message": "Kunde erreicht"}
    nobody = runner.invoke(app, ["task", "claim", task.id, *base, "--as", "nobody"])
    assert (nobody.exit_code, "no active user nobody" in nobody.output) == (2, True)
