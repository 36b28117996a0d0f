"""The rules API: deploy, inspect, evaluate and test models; bind hooks; read decisions."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.api import create_app
from kontor.bootstrap import bootstrap
from kontor.messaging import UnitOfWork
from kontor.platform import ADMINISTRATORS, TenantKind
from kontor.rules.deployment import HookPoint, HookRegistry, RulesService
from kontor.settings import Environment, Settings
from support.backends import BACKENDS
from support.dmn import broken_risk_xml, overlapping_risk_xml, risk_xml
from support.identity import TEST_TENANT, acting, api_caller

HOOKS = HookRegistry([HookPoint("task.created", "a task was created: who works on it?")])
XML = {"content-type": "application/xml"}


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    settings = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests")
    kontor = bootstrap(settings, engine=engine, hook_points=HOOKS)
    app = create_app(settings, kontor)
    with TestClient(app, headers=api_caller(kontor).headers) as test_client:
        yield test_client


def _deploy(client: TestClient, xml: str = risk_xml()) -> int:
    response = client.post("/api/rules/deployments?file_name=risk.dmn", content=xml, headers=XML)
    assert response.status_code in (200, 201), response.json()
    return int(response.json()["version"])


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_deploy_raw_and_multipart_with_versions_and_no_op(client: TestClient) -> None:
    first = client.post("/api/rules/deployments?file_name=risk.dmn", content=risk_xml())
    assert (first.status_code, first.json()["version"], first.json()["warnings"]) == (201, 1, [])
    uploaded = overlapping_risk_xml().replace("<definitions", "<!-- Jörg Müller -->\n<definitions")
    second = client.post(
        "/api/rules/deployments", files={"file": ("risiko.dmn", uploaded.encode(), "text/xml")}
    )
    assert second.status_code == 201
    assert (second.json()["version"], second.json()["file_name"]) == (2, "risiko.dmn")
    assert second.json()["warnings"][0]["code"] == "overlap"
    again = client.post("/api/rules/deployments", content=risk_xml(), headers=XML)
    assert (again.status_code, again.json()["version"]) == (200, 1)
    listed = client.get("/api/rules/deployments", params={"model_key": "risk"}).json()
    assert [d["version"] for d in listed] == [1, 2]
    shown = client.get("/api/rules/deployments/risk/2").json()
    assert shown["xml"] == uploaded


def test_bad_models_are_problems_naming_the_place(client: TestClient) -> None:
    response = client.post("/api/rules/deployments", content=broken_risk_xml(), headers=XML)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["code"], problem["line"]) == ("rules.invalid_model", 39)
    assert "Premium" in problem["element"]
    empty = client.post("/api/rules/deployments", content=b"")
    assert (empty.status_code, empty.json()["field"]) == (422, "body")
    no_file = client.post("/api/rules/deployments", data={"note": "x"}, files={})
    assert no_file.status_code == 422


def test_evaluate_keeps_money_exact_and_explains(client: TestClient) -> None:
    _deploy(client)
    response = client.post(
        "/api/rules/deployments/risk/1/evaluate",
        content='{"decision": "Premium", "inputs": {"Sum Insured": 250000.50,'
        ' "Line of Business": "household"}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["value"], body["messages"]) == (500.001, [])
    assert body["explanation"]["tables"][0]["matched"] == [{"index": 1, "ruleId": "high"}]
    unknown = client.post("/api/rules/deployments/risk/1/evaluate", json={"decision": "Nope"})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "rules.unknown_decision")
    invalid = client.post("/api/rules/deployments/risk/1/evaluate", json={"inputs": {}})
    assert invalid.json()["errors"][0]["location"] == "body.decision"
    missing = client.post("/api/rules/deployments/risk/9/evaluate", json={"decision": "Premium"})
    assert (missing.status_code, missing.json()["code"]) == (404, "rules.not_found")


def test_scenarios_run_as_json_or_csv(client: TestClient) -> None:
    _deploy(client)
    report = client.post(
        "/api/rules/deployments/risk/1/scenarios",
        json=[
            {"decision": "Risk Class", "input": {"Line of Business": "liability"}, "expected": "x"}
        ],
    ).json()
    assert (report["passed"], report["failed"]) == (0, 1)
    assert report["scenarios"][0]["actual"] == "medium"
    csv = "decision,in:Line of Business,in:Sum Insured,out:result\nRisk Class,household,5,low\n"
    report = client.post(
        "/api/rules/deployments/risk/1/scenarios",
        content=csv,
        headers={"content-type": "text/csv"},
    ).json()
    assert report["passed"] == 1
    bad = client.post("/api/rules/deployments/risk/1/scenarios", content="{")
    assert (bad.status_code, bad.json()["code"]) == (422, "rules.invalid_scenario")


def test_hooks_bind_decide_and_records(client: TestClient, engine: Engine) -> None:
    _deploy(client)
    hooks = {hook["name"]: hook for hook in client.get("/api/rules/hooks").json()}
    assert hooks["task.created"] == {
        "name": "task.created", "description": HOOKS.get("task.created").description,
        "binding": None,
    }  # fmt: skip
    # casework declares its other hook points itself, the portfolio transfer app its Easy-BKM,
    # default values and automatic rejection
    assert set(hooks) == {
        "task.created", "task.deadline_missed", "task.completed", "case.status_changed",
        "portfolio_transfer.easy_bkm", "portfolio_transfer.default_values",
        "portfolio_transfer.auto_reject",
    }  # fmt: skip
    undeclared = client.put(
        "/api/rules/hooks/task.exploded", json={"model_key": "risk", "decision": "Risk Class"}
    )
    assert undeclared.status_code == 422
    assert (undeclared.json()["code"], undeclared.json()["hook"]) == (
        "rules.unknown_hook",
        "task.exploded",
    )
    bound = client.put(
        "/api/rules/hooks/task.created", json={"model_key": "risk", "decision": "Risk Class"}
    )
    assert (bound.status_code, bound.json()["version"]) == (200, None)
    service = client.app.state.kontor.rules  # type: ignore[attr-defined]
    assert isinstance(service, RulesService)
    with UnitOfWork(engine, client.app.state.kontor.clock) as uow:  # type: ignore[attr-defined]
        service.decide(uow, acting(TEST_TENANT), "task.created", {"Line of Business": "x"})
        uow.commit()
    [record] = client.get("/api/rules/decisions", params={"hook": "task.created"}).json()
    assert (record["decision"], record["output"], record["version"]) == ("Risk Class", None, 1)
    [created] = [h for h in client.get("/api/rules/hooks").json() if h["name"] == "task.created"]
    assert created["binding"]["model_key"] == "risk"
    assert client.delete("/api/rules/hooks/task.created").status_code == 204
    gone = client.delete("/api/rules/hooks/task.created")
    assert (gone.status_code, gone.json()["code"]) == (404, "rules.hook_not_bound")


def test_openapi_documents_the_bodies_read_by_hand(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    deploy = paths["/api/rules/deployments"]["post"]["requestBody"]["content"]
    assert set(deploy) == {"application/xml", "multipart/form-data"}
    evaluate = paths["/api/rules/deployments/{model_key}/{version}/evaluate"]["post"]
    body = evaluate["requestBody"]["content"]["application/json"]["schema"]
    assert (
        "decision" in schema["components"]["schemas"][body["$ref"].rpartition("/")[2]]["required"]
    )


def test_other_tenants_deployments_are_not_found(client: TestClient) -> None:
    _deploy(client)
    kontor = client.app.state.kontor  # type: ignore[attr-defined]
    client.headers.update(
        api_caller(kontor, "makler-b", kind=TenantKind.INSURER, group=ADMINISTRATORS).headers
    )
    assert client.get("/api/rules/deployments/risk/1").status_code == 404
    assert client.get("/api/rules/deployments").json() == []
    assert client.get("/api/rules/decisions").json() == []


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize("amount", ["1e9999999", "1e999999", "-1e9999999"])
def test_evaluate_with_a_number_beyond_decimal128_answers_at_once(
    client: TestClient, amount: str
) -> None:
    _deploy(client)
    response = client.post(
        "/api/rules/deployments/risk/1/evaluate",
        content='{"decision": "Premium", "inputs": {"Sum Insured": '
        + amount
        + ', "Line of Business": "household"}}',
        headers={"content-type": "application/json"},
    )
    # Refused at the API edge, naming the field; FEEL's own bound is tested in the unit tier.
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["location"] == "body.inputs.Sum Insured"


def test_evaluate_with_a_large_number_in_range_gives_a_bounded_answer(client: TestClient) -> None:
    _deploy(client)
    response = client.post(
        "/api/rules/deployments/risk/1/evaluate",
        content='{"decision": "Premium", "inputs": {"Sum Insured": 1e90,'
        ' "Line of Business": "household"}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert Decimal(response.text.split('"value":')[1].split(",")[0]) == Decimal("2e87")
    assert len(response.content) < 20_000
    # longer numbers are refused at the edge (KONTOR_API_MAX_NUMBER_DIGITS), naming the field
    refused = client.post(
        "/api/rules/deployments/risk/1/evaluate",
        content='{"decision": "Premium", "inputs": {"Sum Insured": 1e6000}}',
        headers={"content-type": "application/json"},
    )
    assert refused.status_code == 422
    assert "Sum Insured" in refused.text


def test_evaluate_with_a_wrong_typed_input_warns_and_matches_no_rule(client: TestClient) -> None:
    _deploy(client)
    response = client.post(
        "/api/rules/deployments/risk/1/evaluate",
        json={"decision": "Risk Class", "inputs": {"Sum Insured": "x", "Line of Business": 7}},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["value"] is None
    assert any("input data 'Sum Insured'" in message for message in body["messages"])
    assert any("input data 'Line of Business'" in message for message in body["messages"])
