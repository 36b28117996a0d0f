"""Comments on tasks: a task operation of its own, in the history and the audit log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontor.bootstrap import Kontor
from kontor.platform import UNDERWRITERS, TenantKind
from kontor.platform.audit import every_entry
from support.identity import api_caller
from support.kontor_app import app_client, kontor_on

AUDIT_LOG = every_entry()  # chained and unsealed entries


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor) as test_client:
        yield test_client


def test_anyone_who_works_on_tasks_comments_without_changing_the_task(
    kontor: Kontor, client: TestClient
) -> None:
    anna = api_caller(kontor, kind=TenantKind.INSURER, group=UNDERWRITERS, login="anna@t.test")
    body = {"name": "Makler anrufen", "candidate_groups": [UNDERWRITERS]}
    task = client.post("/api/tasks", json=body, headers=anna.headers).json()
    url = f"/api/tasks/{task['task_id']}"
    noted = client.post(f"{url}/comment", json={"message": "Makler im Urlaub"},
                        headers=anna.headers)  # fmt: skip
    assert noted.status_code == 200, noted.text
    detail = noted.json()
    assert (detail["state"], detail["assignee"]) == (task["state"], None)
    last = detail["history"][-1]
    assert (last["operation"], last["actor"]) == ("comment", anna.principal.user_id)
    assert last["details"] == {"message": "Makler im Urlaub"}
    empty = client.post(f"{url}/comment", json={"message": "  "}, headers=anna.headers)
    assert empty.status_code == 422
    assert "message" in empty.text
    missing = client.post(f"{url}/comment", json={}, headers=anna.headers)
    assert missing.status_code == 422
    with kontor.bus.reading() as uow:
        actions = (
            uow.connection.execute(select(AUDIT_LOG.c.action).order_by(AUDIT_LOG.c.entry_id))
            .scalars()
            .all()
        )
    assert actions[-1] == "casework.task.comment"
