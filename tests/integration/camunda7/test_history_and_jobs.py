"""Camunda 7's history, incident and job resources over Kontor's process history and jobs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.process.task_handlers import TaskHandlers
from kontor.web import create_app
from support import kontor_app
from support.backends import BACKENDS
from support.camunda7 import INVOICE, basic
from support.identity import api_caller
from support.kontor_app import kontor_on

REST = "/engine-rest"
WORKER = "worker-1"
REMINDER = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="reminder"
  targetNamespace="Examples">
  <process id="reminder" name="Erinnerung" isExecutable="true">
    <startEvent id="start"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <intermediateCatchEvent id="wait">
      <timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition>
    </intermediateCatchEvent>
    <sequenceFlow id="f2" sourceRef="wait" targetRef="done"/>
    <endEvent id="done"/>
  </process>
</definitions>"""
"""Wait an hour, then end."""


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    caller = api_caller(kontor)
    with TestClient(create_app(kontor.settings, kontor), headers=basic(caller.token)) as test:
        yield test


def deploy_and_start(client: TestClient, name: str, xml: str, business_key: str) -> str:
    files = [(f"{name}.bpmn", (f"{name}.bpmn", xml.encode(), "application/xml"))]
    client.post(f"{REST}/deployment/create", data={"deployment-name": name}, files=files)
    started = client.post(f"{REST}/process-definition/key/{name}/start",
                          json={"businessKey": business_key})  # fmt: skip
    assert started.status_code == 200, started.text
    instance_id: str = started.json()["id"]
    return instance_id


def fetch(client: TestClient, topic: str) -> list[dict[str, Any]]:
    body = {"workerId": WORKER, "maxTasks": 5,
            "topics": [{"topicName": topic, "lockDuration": 60_000}]}  # fmt: skip
    locked: list[dict[str, Any]] = client.post(f"{REST}/external-task/fetchAndLock",
                                               json=body).json()  # fmt: skip
    return locked


def get(client: TestClient, path: str, **params: Any) -> Any:
    answer = client.get(f"{REST}{path}", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_an_exhausted_external_task_is_an_incident_until_its_retries_are_set(
    client: TestClient,
) -> None:
    instance_id = deploy_and_start(client, "invoice", INVOICE, "R-1")
    [task] = fetch(client, "check-invoice")
    failure = {"workerId": WORKER, "errorMessage": "Buchhaltung nicht erreichbar", "retries": 0}
    client.post(f"{REST}/external-task/{task['id']}/failure", json=failure)
    [incident] = get(client, "/incident", processInstanceId=instance_id)
    assert incident["incidentType"] == "failedExternalTask"
    assert incident["activityId"] == "check"
    assert incident["configuration"] == task["id"]
    assert "Buchhaltung nicht erreichbar" in incident["incidentMessage"]
    assert get(client, "/incident/count", activityId="check") == {"count": 1}
    assert get(client, "/incident", incidentType="failedJob") == []
    retried = client.put(f"{REST}/external-task/{task['id']}/retries", json={"retries": 2})
    assert retried.status_code == 204, retried.text
    assert get(client, "/incident/count") == {"count": 0}
    [again] = fetch(client, "check-invoice")
    assert again["id"] == task["id"]
    refused = client.put(f"{REST}/external-task/{task['id']}/retries", json={"retries": 2})
    assert refused.status_code == 400
    assert refused.json()["type"] == "InvalidRequestException"
    missing = client.put(f"{REST}/external-task/no-such-task/retries", json={"retries": 1})
    assert missing.status_code == 404


def test_timers_are_jobs_with_their_due_date(client: TestClient, kontor: Kontor) -> None:
    assert isinstance(kontor.clock, FakeClock)
    started_at = kontor.clock.now()
    instance_id = deploy_and_start(client, "reminder", REMINDER, "E-1")
    [job] = get(client, "/job", processInstanceId=instance_id, timers="true")
    due = started_at + dt.timedelta(hours=1)
    assert job["dueDate"].startswith(due.strftime("%Y-%m-%dT%H:%M:%S"))
    assert job["processDefinitionKey"] == "reminder"
    assert job["exceptionMessage"] is None
    assert client.get(f"{REST}/job/{job['id']}").json() == job
    assert get(client, "/job/count", messages="true") == {"count": 0}
    assert get(client, "/job/count", noRetriesLeft="true") == {"count": 0}
    not_failed = client.put(f"{REST}/job/{job['id']}/retries", json={"retries": 3})
    assert not_failed.status_code == 400
    assert client.get(f"{REST}/job/no-such-job").status_code == 404
    both = client.get(f"{REST}/job", params={"timers": "true", "messages": "true"})
    assert both.status_code == 400


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_history_lists_finished_and_running_instances_and_their_activities(
    client: TestClient, kontor: Kontor
) -> None:
    assert isinstance(kontor.clock, FakeClock)
    done = deploy_and_start(client, "invoice", INVOICE, "R-1")
    for topic in ("check-invoice", "book-invoice"):
        [task] = fetch(client, topic)
        client.post(f"{REST}/external-task/{task['id']}/complete", json={"workerId": WORKER})
    kontor.clock.advance(dt.timedelta(minutes=1))
    running = deploy_and_start(client, "invoice", INVOICE, "R-2")
    [finished] = get(client, "/history/process-instance", finished="true")
    assert finished["id"] == done
    assert finished["state"] == "COMPLETED"
    assert finished["businessKey"] == "R-1"
    assert finished["processDefinitionName"] == "Rechnung"
    assert finished["endTime"] is not None
    assert finished["durationInMillis"] >= 0
    [unfinished] = get(client, "/history/process-instance", unfinished="true")
    assert (unfinished["id"], unfinished["state"], unfinished["endTime"]) == (
        running, "ACTIVE", None,
    )  # fmt: skip
    newest_first = get(client, "/history/process-instance", processDefinitionKey="invoice",
                       sortBy="startTime", sortOrder="desc")  # fmt: skip
    assert [i["id"] for i in newest_first] == [running, done]
    assert get(client, "/history/process-instance/count",
               processInstanceBusinessKey="R-2") == {"count": 1}  # fmt: skip
    later = (kontor.clock.now() - dt.timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    assert [i["id"] for i in get(client, "/history/process-instance",
                                 startedAfter=later)] == [running]  # fmt: skip
    activities = get(client, "/history/activity-instance", processInstanceId=done)
    assert [a["activityId"] for a in activities] == ["start", "check", "book", "booked"]
    assert all(a["endTime"] is not None and not a["canceled"] for a in activities)
    assert activities[1]["activityType"] == "serviceTask"
    assert get(client, "/history/activity-instance/count", processInstanceId=running,
               finished="true") == {"count": 1}  # fmt: skip
    open_ones = get(client, "/history/activity-instance", processInstanceId=running,
                    unfinished="true")  # fmt: skip
    assert [a["activityId"] for a in open_ones] == ["check"]
    assert get(client, "/history/activity-instance/count", activityType="serviceTask",
               activityId="book") == {"count": 1}  # fmt: skip


def test_unread_history_criteria_and_other_tenants_answer_as_camunda(
    client: TestClient, kontor: Kontor
) -> None:
    deploy_and_start(client, "invoice", INVOICE, "R-1")
    unread = client.get(f"{REST}/history/process-instance", params={"superProcessInstanceId": "x"})
    assert unread.status_code == 400
    assert "superProcessInstanceId" in unread.json()["message"]
    bad_date = client.get(f"{REST}/history/process-instance", params={"startedAfter": "heute"})
    assert bad_date.status_code == 400
    half_sorted = client.get(f"{REST}/history/activity-instance", params={"sortBy": "startTime"})
    assert half_sorted.status_code == 400
    other = basic(api_caller(kontor, "other-tenant").token)
    assert client.get(f"{REST}/history/process-instance", headers=other).json() == []
    assert client.get(f"{REST}/history/activity-instance", headers=other).json() == []
    assert client.get(f"{REST}/incident", headers=other).json() == []
    assert client.get(f"{REST}/job", headers=other).json() == []
    assert client.get(f"{REST}/history/process-instance").status_code == 200
    anonymous = client.get(f"{REST}/history/process-instance", headers={"Authorization": ""})
    assert anonymous.status_code == 401


CHECKED = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="checked" targetNamespace="Examples">
  <process id="checked" isExecutable="true">
    <startEvent id="start"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <serviceTask id="check"><extensionElements>
      <zeebe:taskDefinition type="check" retries="1"/>
    </extensionElements></serviceTask>
    <sequenceFlow id="f2" sourceRef="check" targetRef="done"/>
    <endEvent id="done"/>
  </process>
</definitions>"""
"""One in-process job (type ``check``) with a single try."""


def test_a_failed_job_runs_again_once_its_retries_are_set(engine: Engine) -> None:
    handlers, calls = TaskHandlers(), []

    def check(variables: Any, headers: Any) -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("Prüfdienst nicht erreichbar")
        return {"checked": True}

    handlers.register("check", check)
    kontor = bootstrap(kontor_app.testing_settings(), engine=engine, clock=FakeClock(),
                       task_handlers=handlers)  # fmt: skip
    caller = api_caller(kontor)
    with TestClient(create_app(kontor.settings, kontor), headers=basic(caller.token)) as client:
        instance_id = deploy_and_start(client, "checked", CHECKED, "P-1")
        kontor.process_jobs.run_until_idle()
        [incident] = get(client, "/incident", processInstanceId=instance_id)
        assert incident["incidentType"] == "failedJob"
        [job] = get(client, "/job", noRetriesLeft="true")
        assert (job["id"], job["retries"]) == (incident["configuration"], 0)
        assert "Prüfdienst nicht erreichbar" in job["exceptionMessage"]
        assert job["failedActivityId"] == "check"
        retried = client.put(f"{REST}/job/{job['id']}/retries", json={"retries": 1})
        assert retried.status_code == 204, retried.text
        assert get(client, "/incident/count") == {"count": 0}
        kontor.process_jobs.run_until_idle()
        [finished] = get(client, "/history/process-instance", finished="true")
        assert (finished["id"], finished["state"]) == (instance_id, "COMPLETED")
    assert len(calls) == 2
