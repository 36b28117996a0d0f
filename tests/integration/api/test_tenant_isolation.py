"""Broker A asking for broker B's resources gets 404 on every route that names one, and B's
rows stay as they were."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.rules.deployment import HookPoint, HookRegistry
from kontor.settings import Environment, Settings
from kontor.web import create_app
from support.backends import BACKENDS
from support.cases import case_types
from support.tenant_world import WORKER, broker, rows_of, tenant_world

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

BODIES: dict[tuple[str, str], Any] = {
    ("PUT", "/api/platform/users/{user_id}/grants/{permission}"): {"granted": True},
    ("POST", "/api/process/definitions/{process_key}/start"): {},
    ("POST", "/api/process/instances/{instance_id}/variables"): {"variables": {"x": 1}},
    ("POST", "/api/process/instances/{instance_id}/cancel"): {"reason": "mine now"},
    ("POST", "/api/process/instances/{instance_id}/modify"): {
        "instructions": [{"kind": "cancel", "element_id": "Book"}]
    },
    ("POST", "/api/process/instances/{instance_id}/incidents/{incident_id}/resolve"): {},
    ("POST", "/api/process/instances/{instance_id}/ad-hoc-activities/{element_id}/activate"): {},
    ("POST", "/api/process/instances/{instance_id}/ad-hoc-sub-processes/{element_id}/complete"): {},
    ("POST", "/api/process/external-tasks/{job_id}/complete"): WORKER,
    ("POST", "/api/process/external-tasks/{job_id}/failure"): {
        **WORKER, "error_message": "x", "retries": 0
    },
    ("POST", "/api/process/external-tasks/{job_id}/bpmn-error"): {**WORKER, "error_code": "X"},
    ("POST", "/api/process/external-tasks/{job_id}/extend-lock"): {
        **WORKER, "new_duration_ms": 1000
    },
    ("POST", "/api/rules/deployments/{model_key}/{version}/evaluate"): {
        "decision": "Risk Class", "inputs": {"Line of Business": "household"}
    },
    ("POST", "/api/rules/deployments/{model_key}/{version}/scenarios"): [
        {"decision": "Risk Class", "input": {"Line of Business": "household"}, "expected": "low"}
    ],
    ("PUT", "/api/rules/hooks/{hook}"): {"model_key": "risk", "decision": "Risk Class"},
    ("POST", "/api/tasks/{task_id}/{operation}"): {},
    ("PATCH", "/api/cases/{case_id}"): {"title": "mine now", "data": {"claim_number": "A"}},
    ("POST", "/api/cases/{case_id}/status"): {"status": "in_review"},
    ("POST", "/api/cases/{case_id}/comments"): {"text": "mine now"},
    ("POST", "/api/cases/{case_id}/links"): {"process_instance_id": "i-a"},
    ("POST", "/api/cases/{case_id}/close"): {},
    ("POST", "/api/cases/{case_id}/reopen"): {},
    ("POST", "/api/apps/portfolio-transfer/requests/{request_id}/{action}"): {},
    ("POST", "/api/apps/portfolio-transfer/requests/{request_id}/calculator"): {},
    ("POST", "/api/apps/portfolio-transfer/requests/{request_id}/case-data"): {
        "inputs": {"Wohnflaeche": "99"}
    },
    ("PATCH", "/api/portfolio/customers/{customer_id}"): {"version": 1, "remarks": "mine now"},
    ("POST", "/api/portfolio/customers/{customer_id}/bank-accounts"): {
        "iban": "DE89370400440532013000"
    },
    ("PATCH", "/api/portfolio/customers/{customer_id}/bank-accounts/{account_id}"): {
        "version": 1, "holder": "mine now"
    },
    ("PATCH", "/api/portfolio/contracts/{contract_id}"): {"version": 1, "remarks": "mine now"},
    ("POST", "/api/portfolio/contracts/{contract_id}/claims"): {"occurred_on": "2026-01-01"},
    ("PATCH", "/api/portfolio/contracts/{contract_id}/claims/{claim_id}"): {
        "version": 1, "cause": "mine now"
    },
    ("PATCH", "/api/portfolio/claims-ratios/{ratio_id}"): {"version": 1, "product": "mine"},
    ("PUT", "/api/tasks/{task_id}/deadlines"): {"completion": {"at": "2026-07-01T00:00:00Z"}},
    ("PATCH", "/api/saved-filters/{filter_id}"): {"name": "mine now"},
    ("PATCH", "/api/webhooks/subscriptions/{subscription_id}"): {"enabled": False},
    ("PATCH", "/api/bipro/accesses/{access_id}"): {"insurer": "mine now"},
    ("POST", "/engine-rest/external-task/{job_id}/complete"): {"workerId": "w1"},
    ("POST", "/engine-rest/external-task/{job_id}/failure"): {"workerId": "w1", "retries": 0},
    ("POST", "/engine-rest/external-task/{job_id}/bpmnError"): {"workerId": "w1", "errorCode": "X"},
    ("POST", "/engine-rest/external-task/{job_id}/extendLock"): {
        "workerId": "w1", "newDuration": 1000
    },
    ("POST", "/engine-rest/process-definition/key/{process_key}/start"): {},
    ("POST", "/engine-rest/process-definition/key/{process_key}/tenant-id/{tenant_id}/start"): {},
    ("POST", "/engine-rest/process-definition/{definition_id}/start"): {},
    ("PUT", "/engine-rest/process-instance/{instance_id}/suspended"): {"suspended": True},
    ("PUT", "/engine-rest/process-instance/{instance_id}/variables/{variable_name}"): {
        "value": 1, "type": "Integer"
    },
    ("POST", "/engine-rest/process-instance/{instance_id}/variables"): {
        "modifications": {"x": {"value": 1}}
    },
    ("PUT", "/engine-rest/external-task/{job_id}/retries"): {"retries": 1},
    ("PUT", "/engine-rest/job/{job_id}/retries"): {"retries": 1},
    ("POST", "/engine-rest/task/{task_id}/claim"): {},
    ("POST", "/engine-rest/task/{task_id}/assignee"): {"userId": "a"},
    ("POST", "/engine-rest/task/{task_id}/delegate"): {"userId": "a"},
    ("POST", "/engine-rest/task/{task_id}/resolve"): {},
    ("POST", "/engine-rest/task/{task_id}/complete"): {},
    ("POST", "/engine-rest/task/{task_id}/comment/create"): {"message": "mine"},
}  # fmt: skip
NOT_TENANT_SCOPED = {
    "/api/tenants/{tenant_id}": "the operator manages every tenant",
    "/api/platform/groups/{group_id}/permissions": "group ids are names; A's request is A's group",
    "/api/apps/portfolio-transfer/bulk/{action}": "an action name; each item answers not found",
    "/api/saved-filters/tables/{table_id}": "the fields a table offers are the same for everyone",
    "/apps/{app}": "apps are the platform's; a group installs them",
    "/api/platform/groups/{group_id}/second-factor": "group ids are names, as above",
    "/api/platform/profiles/{group_id}/permissions": "the operator's profiles belong to no tenant",
    "/api/webhooks/inbound/{tenant_id}/{name}": "public; the endpoint checks the signature",
    "/admin/groups/{group_id}": "group ids are names, as above (the page edits A's group)",
    "/admin/profiles/{group_id}": "the operator's profiles belong to no tenant",
}
FORMS = {  # the browser pages' forms, filled in so that only the tenant can refuse them
    ("POST", "/cockpit/instances/{instance_id}/variables"): {"name": "x", "value": "1"},
    ("POST", "/cockpit/instances/{instance_id}/modify"): {"target": "Review"},
    ("POST", "/cockpit/processes/{process_key}/{version}/migration"): {
        "target": "1",
        "mode": "check",
    },
    ("POST", "/rules/hooks/{hook}"): {"decision": '["risk", "Risk Class", null]'},
    ("POST", "/rules/models/{model_key}/{version}/scenarios"): {
        "scenarios": '[{"decision": "Risk Class", "input": {}, "expected": null}]'
    },
}


@pytest.fixture
def kontor(engine: Engine, tmp_path: Path) -> Kontor:
    settings = Settings(
        environment=Environment.TEST, secret_key="a-real-secret-for-tests", data_dir=tmp_path
    )
    hooks = HookRegistry([HookPoint("task.created", "a task was created")])
    return bootstrap(
        settings, engine=engine, clock=FakeClock(), hook_points=hooks, case_types=case_types()
    )


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with TestClient(create_app(kontor.settings, kontor)) as test_client:
        yield test_client


def tenant_routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, path template) of every route with a path parameter naming a resource."""
    found = []
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        path = str(context.path)
        route = context.original_route
        if isinstance(route, APIRoute) and "{" in path and path not in NOT_TENANT_SCOPED:
            found += [(method, path) for method in sorted(route.methods)]
    return found


def test_a_foreign_tenants_resources_are_not_found_and_stay_unchanged(
    kontor: Kontor, client: TestClient, engine: Engine
) -> None:
    a, b = broker(kontor, "makler-a"), broker(kontor, "makler-b")
    ids = tenant_world(kontor, client, b)
    before = rows_of(engine, "makler-b")
    assert sum(map(len, before.values())) > 20
    answers = {}
    routes = tenant_routes(client)
    assert len(routes) > 25
    for method, template in routes:
        url = template.format(**ids)
        body = BODIES.get((method, template))
        form = FORMS.get((method, template))
        response = client.request(method, url, json=body, data=form, headers=a.headers)
        # a domain "not found", not the router's: the route was reached and refused
        if template.startswith("/api/"):
            code = response.json().get("code") if response.content else None
        else:  # a page answers in HTML: the page's own "does not exist", not the router's
            code = "page.404" if "gibt es nicht" in response.text else response.text[:80]
        answers[f"{method} {template}"] = (response.status_code, code)
    assert {
        r: answer for r, answer in answers.items() if answer[0] != 404 or answer[1] == "http.404"
    } == {}
    assert rows_of(engine, "makler-b") == before
    with engine.connect() as connection:  # and nothing of B's leaked into A's tenant
        copied = connection.execute(
            text("SELECT count(*) FROM process_definitions WHERE tenant_id = 'makler-a'")
        ).scalar_one()
    assert copied == 0


def test_lists_show_a_tenant_only_its_own(kontor: Kontor, client: TestClient) -> None:
    a, b = broker(kontor, "makler-a"), broker(kontor, "makler-b")
    tenant_world(kontor, client, b)
    as_a = a.headers
    assert client.get("/api/process/definitions", headers=as_a).json() == []
    assert client.get("/api/process/instances", headers=as_a).json()["total"] == 0
    assert client.get("/api/rules/deployments", headers=as_a).json() == []
    assert client.get("/api/rules/decisions", headers=as_a).json() == []
    assert client.get("/api/messages/dead", headers=as_a).json() == []
    assert client.get("/api/notifications", headers=as_a).json() == []
    assert client.get("/api/tasks", headers=as_a).json()["items"] == []
    assert client.get("/api/tasks/count", headers=as_a).json()["count"] == 0
    work_list = client.get("/tasks?f_list=all", headers=as_a)
    assert work_list.status_code == 200
    assert "Keine Einträge." in work_list.text
    for table in ("contracts", "requests", "incoming", "cases", "imports"):
        listed = client.get(f"/apps/portfolio_transfer/{table}", headers=as_a)
        assert listed.status_code == 200
        assert "Keine Einträge." in listed.text, table
    assert client.get("/api/portfolio/imports", headers=as_a).json() == []
    assert client.get("/api/cases", headers=as_a).json() == {"items": [], "next_cursor": None}
    assert client.get("/api/cases?business_key=S-1", headers=as_a).json()["items"] == []
    for listed in ("customers", "contracts", "claims-ratios"):
        page = client.get(f"/api/portfolio/{listed}", headers=as_a).json()
        assert page == {"items": [], "next_cursor": None}
    assert client.get("/api/auth/me/absences", headers=as_a).json() == []
    assert client.get("/api/saved-filters", headers=as_a).json() == []
    assert client.get("/api/forms", headers=as_a).json() == []
    assert client.get("/api/webhooks/subscriptions", headers=as_a).json() == []
    assert client.get("/api/webhooks/endpoints", headers=as_a).json() == []
    assert client.get("/api/connectors/connections", headers=as_a).json() == []
    assert client.get("/api/schedules", headers=as_a).json() == []
    assert client.get("/api/bipro/accesses", headers=as_a).json() == []
    assert client.get("/api/bipro/inbox", headers=as_a).json() == []
    assert (
        client.get("/api/platform/users", headers=as_a).json()[0]["user_id"] == a.principal.user_id
    )
    assert len(client.get("/api/platform/users", headers=as_a).json()) == 1
    fetch = {**WORKER, "topics": [{"name": "book", "lock_duration_ms": 1000}]}
    assert client.post("/api/process/external-tasks/fetch-and-lock", json=fetch,
                       headers=as_a).json() == []  # fmt: skip
    assert client.get("/engine-rest/external-task", headers=as_a).json() == []
    assert client.get("/engine-rest/external-task/count", headers=as_a).json() == {"count": 0}
    assert client.get("/engine-rest/process-definition", headers=as_a).json() == []
    assert client.get("/engine-rest/process-instance", headers=as_a).json() == []
    camunda_fetch = {"workerId": "w1", "topics": [{"topicName": "book", "lockDuration": 1000}]}
    assert client.post("/engine-rest/external-task/fetchAndLock", json=camunda_fetch,
                       headers=as_a).json() == []  # fmt: skip
