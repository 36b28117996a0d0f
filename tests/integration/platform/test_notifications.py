"""Status-change events notify the users concerned: listed, marked read per user, purged after
three days, and streamed live over Server-Sent Events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.api import create_app
from kontor.bootstrap import Kontor, bootstrap
from kontor.contracts import UserTaskActivated
from kontor.messaging import FakeClock
from kontor.platform import ADMINISTRATORS, UNDERWRITERS, TenantKind
from kontor.process import DeployProcess, StartProcess
from kontor.process.messages import IncidentRaised
from kontor.settings import Environment, Settings
from support.backends import BACKENDS
from support.identity import Caller, api_caller

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

INSURER, OTHER = "versicherer", "andere-versicherung"
LIST = "/api/notifications"


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return bootstrap(
        Settings(environment=Environment.TEST),
        clock=FakeClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)),
        engine=engine,
    )


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with TestClient(create_app(kontor.settings, kontor)) as client:
        yield client


def insurer_user(kontor: Kontor, group: str, login: str, tenant_id: str = INSURER) -> Caller:
    """A user of an insurer tenant in ``group``."""
    return api_caller(kontor, tenant_id, kind=TenantKind.INSURER, group=group, login=login)


def incident(tenant_id: str = INSURER, reason: str = "ledger closed") -> IncidentRaised:
    """A process incident in ``tenant_id``."""
    return IncidentRaised(
        tenant_id=tenant_id, instance_id="i-1", process_key="Order", incident_id="inc-1",
        element_id="Book", reason=reason,
    )  # fmt: skip


def subjects(client: TestClient, caller: Caller, query: str = "") -> list[str]:
    """The subjects of the caller's notifications as the list route gives them."""
    response = client.get(f"{LIST}{query}", headers=caller.headers)
    assert response.status_code == 200, response.text
    return [n["subject"] for n in response.json()]


def test_an_incident_notifies_the_tenants_administrators_and_nobody_else(
    kontor: Kontor, client: TestClient
) -> None:
    admin = insurer_user(kontor, ADMINISTRATORS, "admin@versicherer.test")
    underwriter = insurer_user(kontor, UNDERWRITERS, "uw@versicherer.test")
    foreign_admin = insurer_user(kontor, ADMINISTRATORS, "admin@andere.test", OTHER)

    kontor.bus.publish(incident())

    [notification] = client.get(LIST, headers=admin.headers).json()
    assert notification["subject"] == "Störung in Order bei Book: ledger closed"
    assert notification["kind"] == "process.incident_raised"
    assert notification["data"]["incident_id"] == "inc-1"
    assert notification["read_at"] is None
    assert subjects(client, underwriter) == []
    assert subjects(client, foreign_admin) == []


def test_a_task_notifies_the_user_its_event_names_if_that_user_is_of_the_tenant(
    kontor: Kontor, client: TestClient
) -> None:
    underwriter = insurer_user(kontor, UNDERWRITERS, "uw@versicherer.test")
    admin = insurer_user(kontor, ADMINISTRATORS, "admin@versicherer.test")
    stranger = insurer_user(kontor, UNDERWRITERS, "uw@andere.test", OTHER)
    task: dict[str, Any] = {"instance_id": "i-1", "process_key": "Claim", "element_id": "Review"}

    kontor.bus.publish(
        UserTaskActivated(tenant_id=INSURER, task_id="t-1", name="Prüfen",
                          assignee="UW@versicherer.test", **task),
        # a user of another tenant named as assignee hears nothing
        UserTaskActivated(tenant_id=INSURER, task_id="t-2", assignee="uw@andere.test", **task),
    )  # fmt: skip

    assert subjects(client, underwriter) == ["Neue Aufgabe: Prüfen (Claim)"]
    assert subjects(client, admin) == []
    assert subjects(client, stranger) == []


def test_a_completed_instance_notifies_the_user_who_started_it(
    kontor: Kontor, client: TestClient
) -> None:
    starter = insurer_user(kontor, UNDERWRITERS, "uw@versicherer.test")
    admin = insurer_user(kontor, ADMINISTRATORS, "admin@versicherer.test")
    straight_through = (
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"'
        ' targetNamespace="http://t"><bpmn:process id="Quote" isExecutable="true">'
        '<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>'
        '<bpmn:sequenceFlow id="f" sourceRef="S" targetRef="E"/></bpmn:process></bpmn:definitions>'
    )
    kontor.bus.handle(DeployProcess(tenant_id=INSURER, bpmn_xml=straight_through))

    kontor.bus.handle(
        StartProcess(tenant_id=INSURER, process_key="Quote", business_key="A-1",
                     actor=starter.principal.user_id)
    )  # fmt: skip
    kontor.bus.handle(StartProcess(tenant_id=INSURER, process_key="Quote"))  # by no person

    assert subjects(client, starter) == ["Quote A-1 abgeschlossen"]
    assert subjects(client, admin) == []


def test_the_list_gives_the_oldest_unread_first_one_at_a_time_and_reading_is_per_user(
    kontor: Kontor, client: TestClient
) -> None:
    first = insurer_user(kontor, ADMINISTRATORS, "eins@versicherer.test")
    second = insurer_user(kontor, ADMINISTRATORS, "zwei@versicherer.test")
    for reason in ("first", "second", "third"):
        kontor.bus.publish(incident(reason=reason))
        kontor.clock.advance(dt.timedelta(minutes=1))  # type: ignore[attr-defined]

    [oldest] = client.get(f"{LIST}?unread=true&limit=1", headers=first.headers).json()
    assert oldest["subject"].endswith("first")
    marked = client.post(f"{LIST}/{oldest['notification_id']}/read", headers=first.headers)
    assert marked.status_code == 200
    assert marked.json()["read_at"] is not None

    assert [s[-6:] for s in subjects(client, first, "?unread=true&limit=1")] == ["second"]
    assert [s[-6:] for s in subjects(client, first, "?unread=true")] == ["second", " third"]
    assert len(subjects(client, first)) == 3  # read ones stay listed until purged
    assert len(subjects(client, second, "?unread=true")) == 3  # the other admin read nothing


def test_another_tenants_notification_is_not_found_and_stays_unread(
    kontor: Kontor, client: TestClient
) -> None:
    admin = insurer_user(kontor, ADMINISTRATORS, "admin@versicherer.test")
    foreign_admin = insurer_user(kontor, ADMINISTRATORS, "admin@andere.test", OTHER)
    colleague = insurer_user(kontor, ADMINISTRATORS, "kollege@versicherer.test")
    kontor.bus.publish(incident())
    [notification] = client.get(LIST, headers=admin.headers).json()
    read = f"{LIST}/{notification['notification_id']}/read"

    for intruder in (foreign_admin, colleague):  # another tenant, and another user's row
        response = client.post(read, headers=intruder.headers)
        assert response.status_code == 404
        assert response.json()["code"] == "kontor.not_found"
    assert client.post(f"{LIST}/no-such-id/read", headers=admin.headers).status_code == 404
    assert subjects(client, admin, "?unread=true") == [notification["subject"]]


def test_notifications_are_purged_by_the_background_loop_after_three_days(
    kontor: Kontor, client: TestClient
) -> None:
    admin = insurer_user(kontor, ADMINISTRATORS, "admin@versicherer.test")
    kontor.bus.publish(incident(reason="old"))
    kontor.clock.advance(dt.timedelta(days=2))  # type: ignore[attr-defined]
    kontor.bus.publish(incident(reason="new"))

    kontor.background_round()
    assert [s[-3:] for s in subjects(client, admin)] == ["old", "new"]

    kontor.clock.advance(dt.timedelta(days=1, minutes=1))  # type: ignore[attr-defined]
    kontor.background_round()
    assert [s[-3:] for s in subjects(client, admin)] == ["new"]


def test_the_routes_need_a_signed_in_user(client: TestClient) -> None:
    for method, path in (("GET", LIST), ("GET", f"{LIST}/stream"), ("POST", f"{LIST}/x/read")):
        assert client.request(method, path).status_code == 401
