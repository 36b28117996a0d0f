"""Absences and task deadlines over HTTP: a user records an absence and their tasks go to
the substitute; a manager sets a task's deadlines, which escalate when missed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from kontor.platform import UNDERWRITERS, TenantKind
from support.backends import BACKENDS
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def kontor(engine: Engine, clock: FakeClock) -> Kontor:
    return kontor_on(engine, clock)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor) as test_client:
        yield test_client


def person(kontor: Kontor, name: str, group: str = UNDERWRITERS) -> Caller:
    return api_caller(kontor, kind=TenantKind.INSURER, group=group, login=f"{name}@t.test")


def at(delta: dt.timedelta) -> str:
    return (NOW + delta).isoformat()


def absent(client: TestClient, caller: Caller, **substitute: str) -> dict[str, Any]:
    body = {"starts_at": at(-DAY), "ends_at": at(7 * DAY), **substitute}
    response = client.post("/api/auth/me/absences", json=body, headers=caller.headers)
    assert response.status_code == 201, response.text
    absence: dict[str, Any] = response.json()
    return absence


def test_a_task_given_to_an_absent_user_goes_to_the_substitute(
    kontor: Kontor, client: TestClient
) -> None:
    anna, ben = person(kontor, "anna"), person(kontor, "ben")
    absence = absent(client, anna, substitute_user_id=ben.principal.user_id, note="Urlaub")
    mine = client.get("/api/auth/me/absences", headers=anna.headers).json()
    assert [(a["absence_id"], a["note"]) for a in mine] == [(absence["absence_id"], "Urlaub")]

    body = {"name": "Antrag prüfen", "assignee": anna.principal.user_id}
    task = client.post("/api/tasks", json=body, headers=ben.headers).json()
    assert (task["state"], task["assignee"]) == ("reserved", ben.principal.user_id)
    substitute = task["history"][-1]
    assert substitute["operation"] == "substitute"
    assert substitute["details"]["absent"] == anna.principal.user_id
    assert substitute["reason"].startswith(f"{anna.principal.user_id} is absent until")

    url = f"/api/auth/me/absences/{absence['absence_id']}"
    assert client.delete(url, headers=anna.headers).status_code == 204
    assert client.delete(url, headers=anna.headers).status_code == 404
    again = client.post("/api/tasks", json=body, headers=ben.headers).json()
    assert again["assignee"] == anna.principal.user_id  # back at work: no substitution


def test_an_absent_users_tasks_can_go_to_a_groups_queue(kontor: Kontor, client: TestClient) -> None:
    anna, ben = person(kontor, "anna"), person(kontor, "ben")
    absent(client, anna, substitute_group_id="claims")
    task = client.post(
        "/api/tasks", json={"name": "Rückruf", "candidate_groups": [UNDERWRITERS]},
        headers=ben.headers,
    ).json()  # fmt: skip
    claimed = client.post(f"/api/tasks/{task['task_id']}/claim", json={}, headers=ben.headers)
    forwarded = client.post(
        f"/api/tasks/{task['task_id']}/forward",
        json={"user_id": anna.principal.user_id, "reason": "Ihr Kunde"}, headers=ben.headers,
    ).json()  # fmt: skip
    assert claimed.status_code == 200
    assert (forwarded["state"], forwarded["assignee"], forwarded["candidate_groups"]) == (
        "ready",
        None,
        ["claims"],
    )
    assert [h["operation"] for h in forwarded["history"]][-2:] == ["forward", "substitute"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": at(DAY), "ends_at": at(0 * DAY), "substitute_user_id": "x"}, "ends_at"),
        ({"starts_at": at(0 * DAY), "ends_at": at(DAY)}, "substitute_user_id"),
        ({"starts_at": "2026-03-02T08:00:00", "ends_at": at(DAY), "substitute_user_id": "x"},
         "starts_at"),
    ],
)  # fmt: skip
def test_a_bad_absence_is_refused_naming_its_field(
    kontor: Kontor, client: TestClient, body: dict[str, Any], field: str
) -> None:
    anna = person(kontor, "anna")
    response = client.post("/api/auth/me/absences", json=body, headers=anna.headers)
    assert response.status_code == 422
    assert field in response.text
    assert client.get("/api/auth/me/absences", headers=anna.headers).json() == []


def test_a_manager_sets_deadlines_that_escalate_when_missed(
    kontor: Kontor, client: TestClient, clock: FakeClock
) -> None:
    lead = person(kontor, "lead", group="administrators")
    task = client.post(
        "/api/tasks", json={"name": "Police ausstellen", "candidate_groups": [UNDERWRITERS]},
        headers=lead.headers,
    ).json()  # fmt: skip
    url = f"/api/tasks/{task['task_id']}/deadlines"
    body = {
        "start": {"at": at(dt.timedelta(hours=2)),
                  "escalation": [{"action": "raise_priority", "priority": 80}]},
        "completion": {"at": at(DAY), "escalation": [
            {"action": "reassign", "user_id": lead.principal.user_id}]},
    }  # fmt: skip
    response = client.put(url, json=body, headers=lead.headers)
    assert response.status_code == 200, response.text
    assert [d["kind"] for d in response.json()] == ["start", "completion"]

    clock.advance(dt.timedelta(hours=2))
    kontor.background_round()
    shown = client.get(f"/api/tasks/{task['task_id']}", headers=lead.headers).json()
    assert (shown["state"], shown["priority"]) == ("ready", 80)
    [start, completion] = client.get(url, headers=lead.headers).json()
    assert start["missed_at"] is not None
    assert completion["missed_at"] is None

    clock.advance(DAY)
    kontor.background_round()
    shown = client.get(f"/api/tasks/{task['task_id']}", headers=lead.headers).json()
    assert (shown["state"], shown["assignee"]) == ("reserved", lead.principal.user_id)
    notices = client.get("/api/notifications", headers=lead.headers).json()
    assert any("Frist zur Erledigung versäumt" in n["subject"] for n in notices)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"start": {"at": at(DAY), "escalation": [{"action": "notify"}]}}, 422),
        ({"start": {"at": at(DAY), "escalation": [{"action": "fly"}]}}, 422),
        ({"completion": {"at": "tomorrow"}}, 422),
        ({"finish": {"at": at(DAY)}}, 422),
    ],
)
def test_bad_deadlines_are_refused_and_change_nothing(
    kontor: Kontor, client: TestClient, body: dict[str, Any], status: int
) -> None:
    lead = person(kontor, "lead", group="administrators")
    task = client.post("/api/tasks", json={"name": "x"}, headers=lead.headers).json()
    url = f"/api/tasks/{task['task_id']}/deadlines"
    assert client.put(url, json=body, headers=lead.headers).status_code == status
    assert client.get(url, headers=lead.headers).json() == []
    underwriter = person(kontor, "uw")
    good = {"completion": {"at": at(DAY)}}
    assert client.put(url, json=good, headers=underwriter.headers).status_code == 403


def test_a_task_is_created_with_its_deadlines(kontor: Kontor, client: TestClient) -> None:
    lead = person(kontor, "lead", group="administrators")
    body = {
        "name": "Police ausstellen", "due_at": at(DAY),
        "start_deadline": {"at": at(dt.timedelta(hours=1)),
                           "escalation": [{"action": "notify", "user_id": "chef"}]},
    }  # fmt: skip
    task = client.post("/api/tasks", json=body, headers=lead.headers).json()
    shown = client.get(f"/api/tasks/{task['task_id']}/deadlines", headers=lead.headers).json()
    assert [(d["kind"], d["at"], d["escalation"]) for d in shown] == [
        ("start", "2026-03-02T09:00:00Z", [{"action": "notify", "user_id": "chef",
                                            "group_id": None, "priority": None, "name": None}]),
        ("completion", "2026-03-03T08:00:00Z", []),
    ]  # fmt: skip
    bad = {**body, "start_deadline": {"at": at(DAY), "escalation": [{"action": "notify"}]}}
    refused = client.post("/api/tasks", json=bad, headers=lead.headers)
    assert refused.status_code == 422
    assert "notify needs user_id" in refused.text
