"""Camunda 7's ``/task`` resource over Kontor's task system: lists, queries and every action."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from kontor.platform import Directory, TokenStore, principal_of
from kontor.platform.permissions import OPERATOR_STAFF
from kontor.web import create_app
from support.backends import BACKENDS
from support.camunda7 import basic
from support.identity import TEST_TENANT, Caller, api_caller
from support.kontor_app import kontor_on

REST = "/engine-rest"
TASKS = f"{REST}/task"
APPROVAL = f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="approval" targetNamespace="Examples">
  <process id="approval" name="Freigabe" isExecutable="true">
    <startEvent id="start"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <userTask id="review" name="Antrag prüfen" camunda:candidateGroups="{OPERATOR_STAFF}"
      camunda:dueDate="2026-07-01T12:00:00Z" camunda:priority="70"/>
    <sequenceFlow id="f2" sourceRef="review" targetRef="sign"/>
    <userTask id="sign" name="Unterschreiben" camunda:candidateGroups="{OPERATOR_STAFF}"/>
    <sequenceFlow id="f3" sourceRef="sign" targetRef="done"/>
    <endEvent id="done"/>
  </process>
</definitions>"""
"""Review (due 1 July, priority 70), then sign; both offered to the operator's staff."""


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def caller(kontor: Kontor) -> Caller:
    return api_caller(kontor)


@pytest.fixture
def client(kontor: Kontor, caller: Caller) -> Iterator[TestClient]:
    with TestClient(create_app(kontor.settings, kontor), headers=basic(caller.token)) as test:
        yield test


def start_approval(client: TestClient, business_key: str, **variables: Any) -> str:
    files = [("approval.bpmn", ("approval.bpmn", APPROVAL.encode(), "application/xml"))]
    client.post(f"{REST}/deployment/create", data={"deployment-name": "t"}, files=files)
    typed = {name: {"value": value} for name, value in variables.items()}
    started = client.post(f"{REST}/process-definition/key/approval/start",
                          json={"businessKey": business_key, "variables": typed})  # fmt: skip
    assert started.status_code == 200, started.text
    instance_id: str = started.json()["id"]
    return instance_id


def reader_of(kontor: Kontor) -> Caller:
    """A user of the test tenant who may read tasks but not work on them."""
    with kontor.bus.unit_of_work() as uow:
        now = uow.clock.now()
        directory = Directory(uow.connection, TEST_TENANT)
        user = directory.add_user(
            login="leser@dev.test",
            display_name="Leser",
            email="leser@dev.test",
            group_ids=[OPERATOR_STAFF],
            now=now,
        )
        directory.set_grant(user.user_id, "tasks:work", False)
        principal = principal_of(uow.connection, TEST_TENANT, user.user_id)
        assert principal is not None
        assert not principal.has("tasks:work")
        _, token = TokenStore(uow.connection).create(
            TEST_TENANT, user.user_id, "tests", principal.permissions, now,
            now + dt.timedelta(days=1),
        )  # fmt: skip
        uow.commit()
    return Caller(principal, token)


def tasks(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    answer = client.get(TASKS, params=params)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_process_user_tasks_are_listed_and_filtered_as_camunda_does(
    client: TestClient, kontor: Kontor
) -> None:
    first = start_approval(client, "A-1", amount=100)
    assert isinstance(kontor.clock, FakeClock)
    kontor.clock.advance(dt.timedelta(minutes=1))
    second = start_approval(client, "A-2", amount=200)
    [task] = tasks(client, processInstanceId=first)
    assert task["name"] == "Antrag prüfen"
    assert task["taskDefinitionKey"] == "review"
    assert task["processDefinitionId"] is not None
    assert task["priority"] == 70
    assert task["due"] == "2026-07-01T12:00:00.000+0000"
    assert task["assignee"] is None
    assert task["suspended"] is False
    assert client.get(f"{TASKS}/{task['id']}").json() == task
    assert len(tasks(client, processDefinitionKey="approval", taskDefinitionKey="review")) == 2
    assert tasks(client, taskDefinitionKey="sign") == []
    assert len(tasks(client, candidateGroup=OPERATOR_STAFF, nameLike="Antrag%")) == 2
    assert tasks(client, dueBefore="2026-07-01T11:00:00.000+0000") == []
    assert len(tasks(client, dueAfter="2026-07-01T11:00:00.000+0000")) == 2
    ordered = tasks(client, sortBy="created", sortOrder="desc", maxResults=1)
    assert [t["processInstanceId"] for t in ordered] == [second]
    counted = client.post(f"{TASKS}/count", json={"processInstanceBusinessKey": "A-2"})
    assert counted.json() == {"count": 1}
    queried = client.post(f"{TASKS}?firstResult=1", json={
        "processDefinitionKey": "approval",
        "sorting": [{"sortBy": "created", "sortOrder": "asc"}],
    })  # fmt: skip
    assert [t["processInstanceId"] for t in queried.json()] == [second]
    assert client.get(f"{TASKS}/count", params={"candidateUser": "nobody"}).json() == {"count": 0}


def test_claim_complete_with_variables_moves_the_process_on(
    client: TestClient, caller: Caller
) -> None:
    instance_id = start_approval(client, "A-1", amount=100)
    [task] = tasks(client, processInstanceId=instance_id)
    mine = tasks(client, candidateUser=caller.principal.user_id)
    assert [t["id"] for t in mine] == [task["id"]]
    assert client.post(f"{TASKS}/{task['id']}/claim",
                       json={"userId": caller.principal.user_id}).status_code == 204  # fmt: skip
    assert tasks(client, assignee=caller.principal.user_id)[0]["id"] == task["id"]
    form = client.get(f"{TASKS}/{task['id']}/form-variables").json()
    assert form == {"amount": {"type": "Integer", "value": 100, "valueInfo": {}}}
    done = client.post(f"{TASKS}/{task['id']}/complete", json={
        "variables": {"approved": {"value": True, "type": "Boolean"}},
        "withVariablesInReturn": True,
    })  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json()["approved"] == {"type": "Boolean", "value": True, "valueInfo": {}}
    assert done.json()["amount"]["value"] == 100
    [sign] = tasks(client, processInstanceId=instance_id)
    assert sign["taskDefinitionKey"] == "sign"
    variables = client.get(f"{REST}/process-instance/{instance_id}/variables").json()
    assert variables["approved"]["value"] is True


def test_unclaim_assign_delegate_resolve_and_comments_are_recorded(
    client: TestClient, caller: Caller, kontor: Kontor
) -> None:
    me = caller.principal.user_id
    start_approval(client, "A-1")
    [task] = tasks(client)
    path = f"{TASKS}/{task['id']}"
    assert client.post(f"{path}/claim", json={"userId": me}).status_code == 204
    assert client.post(f"{path}/unclaim").status_code == 204
    assert client.get(path).json()["assignee"] is None
    assert client.post(f"{path}/assignee", json={"userId": me}).status_code == 204
    assert client.post(f"{path}/delegate", json={"userId": "kollegin"}).status_code == 204
    delegated = client.get(path).json()
    assert (delegated["assignee"], delegated["owner"]) == ("kollegin", me)
    assert delegated["delegationState"] == "PENDING"
    refused = client.post(f"{path}/complete", json={})
    assert refused.status_code in (400, 403), refused.text
    created = client.post(f"{path}/comment/create", json={"message": "Unterlagen fehlen"})
    assert created.status_code == 200, created.text
    comment = created.json()
    assert (comment["message"], comment["userId"], comment["taskId"]) == (
        "Unterlagen fehlen", me, task["id"],
    )  # fmt: skip
    assert client.get(f"{path}/comment").json() == [comment]
    assert client.get(f"{path}/comment/{comment['id']}").json() == comment
    bearer = {"Authorization": f"Bearer {caller.token}"}
    history = client.get(f"/api/tasks/{task['id']}", headers=bearer).json()["history"]
    operations = [entry["operation"] for entry in history]
    assert operations[-5:] == ["claim", "release", "assign", "delegate", "comment"]
    del kontor


def test_unknown_tasks_unread_criteria_and_missing_permissions_answer_as_camunda(
    client: TestClient, kontor: Kontor
) -> None:
    start_approval(client, "A-1")
    missing = client.get(f"{TASKS}/no-such-task")
    assert missing.status_code == 404
    assert missing.json()["type"] == "InvalidRequestException"
    assert client.post(f"{TASKS}/no-such-task/claim", json={}).status_code == 404
    unread = client.post(TASKS, json={"taskVariables": [{"name": "a", "value": 1,
                                                         "operator": "eq"}]})  # fmt: skip
    assert unread.status_code == 400
    assert "taskVariables" in unread.json()["message"]
    assert client.get(TASKS, params={"sortBy": "caseInstanceId",
                                     "sortOrder": "asc"}).status_code == 400  # fmt: skip
    assert client.get(TASKS, params={"dueBefore": "gestern"}).status_code == 400
    reader = reader_of(kontor)
    offered = client.get(TASKS, params={"candidateUser": reader.principal.user_id})
    assert len(offered.json()) == 1  # through the reader's group, looked up
    [task] = client.get(TASKS, headers=basic(reader.token)).json()
    forbidden = client.post(f"{TASKS}/{task['id']}/claim", json={}, headers=basic(reader.token))
    assert forbidden.status_code == 403
    assert forbidden.json()["type"] == "AuthorizationException"
    other = api_caller(kontor, "other-tenant")
    assert client.get(f"{TASKS}/{task['id']}", headers=basic(other.token)).status_code == 404
    assert client.get(TASKS, headers=basic(other.token)).json() == []
