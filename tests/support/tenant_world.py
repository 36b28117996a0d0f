"""A tenant full of data for isolation and deletion tests: processes, rules, sessions, tokens."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from kontor.apps.links import LinkDocuments
from kontor.bootstrap import Kontor, load_schema
from kontor.casework.forms import FormKind, deploy_form
from kontor.exchange import StoredBlob
from kontor.messaging import outbox
from kontor.platform import (
    BROKERS,
    PERMISSIONS,
    SessionStore,
    TenantKind,
    TenantStore,
    provision_tenant,
    tenants,
)
from kontor.platform.notifications import Notice, NotificationStore
from kontor.platform.second_factor_store import SecondFactorStore
from kontor.process.messages import CompleteUserTask
from support.bipro import bipro_world
from support.dmn import risk_xml
from support.gdv_files import household_file
from support.identity import Caller, api_caller
from support.webhooks import webhook_world

ORDER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://t">
  <bpmn:process id="Order" isExecutable="true">
    <bpmn:startEvent id="S"/><bpmn:userTask id="Review"/>
    <bpmn:serviceTask id="Book"><bpmn:extensionElements>
      <zeebe:taskDefinition type="book" retries="1"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Review" targetRef="Book"/>
    <bpmn:sequenceFlow id="f3" sourceRef="Book" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>"""
WORKER = {"worker_id": "w1"}


def broker(kontor: Kontor, tenant_id: str, parent: str | None = None) -> Caller:
    """A broker user who holds every permission, so only the tenant scoping can refuse.

    Its broker system may hold broker systems of its own (so that ``platform:broker_systems``
    counts) and hangs under ``parent``.
    """
    with kontor.bus.unit_of_work() as uow:
        if TenantStore(uow.connection).find(tenant_id) is None:
            provision_tenant(
                uow.connection,
                tenant_id,
                f"Test {tenant_id}",
                TenantKind.BROKER,
                uow.clock.now(),
                parent_tenant_id=parent,
                allows_sub_brokers=True,
            )
        uow.commit()  # fmt: skip
    return api_caller(
        kontor, tenant_id, kind=TenantKind.BROKER, group=BROKERS, grants=sorted(PERMISSIONS)
    )


def tenant_world(kontor: Kontor, client: TestClient, b: Caller) -> dict[str, str]:
    """B's resources: a process with an instance, an external task and an incident, rules
    with a hook binding and a decision, a session, a token, a notification, the task of the user
    task, a case (of the type ``support.cases.case_types``) with a document, an absence; the ids
    by path parameter name.

    The rules need the hook point ``task.created`` registered."""
    as_b = b.headers
    assert client.post("/api/process/definitions", content=ORDER, headers=as_b).status_code == 201
    instance = client.post("/api/process/definitions/Order/start", json={}, headers=as_b).json()
    [task] = instance["user_tasks"]
    kontor.bus.handle(
        CompleteUserTask(tenant_id=b.principal.tenant_id, instance_id=instance["instance_id"],
                         task_id=task["task_id"], variables={})
    )  # fmt: skip
    fetch = {**WORKER, "topics": [{"name": "book", "lock_duration_ms": 600_000}]}
    tasks = "/api/process/external-tasks"
    [job] = client.post(f"{tasks}/fetch-and-lock", json=fetch, headers=as_b).json()
    failure = {**WORKER, "error_message": "ledger closed", "retries": 0}
    client.post(f"{tasks}/{job['job_id']}/failure", json=failure, headers=as_b)
    [job] = client.post(f"{tasks}/fetch-and-lock", json=fetch, headers=as_b).json() or [job]
    base = f"/api/process/instances/{instance['instance_id']}"
    [incident] = client.get(base, headers=as_b).json()["incidents"]
    rules = "/api/rules/deployments?file_name=risk.dmn"
    assert client.post(rules, content=risk_xml(), headers=as_b).status_code == 201
    binding = {"model_key": "risk", "decision": "Risk Class"}
    assert (
        client.put("/api/rules/hooks/task.created", json=binding, headers=as_b).status_code == 200
    )
    with kontor.bus.unit_of_work() as uow:
        session, _ = SessionStore(uow.connection).open(
            b.principal.tenant_id, b.principal.user_id, uow.clock.now(), dt.timedelta(hours=1)
        )
        NotificationStore(uow.connection, b.principal.tenant_id).add(
            [b.principal.user_id], "test", Notice("for B"), uow.clock.now()
        )
        deploy_form(uow, b.principal.tenant_id, b.principal.user_id, FormKind.JSON_SCHEMA,
                    {"type": "object"}, "schaden")  # fmt: skip
        # B's user has a second factor, so that resetting it from A would change a row
        SecondFactorStore(uow.connection, b.principal.tenant_id).enrol(
            b.principal.user_id, "v1:not-a-real-seed", uow.clock.now()
        )
        uow.commit()
        message_id = uow.connection.execute(
            select(outbox.c.message_id).where(outbox.c.tenant_id == b.principal.tenant_id).limit(1)
        ).scalar_one()
    token_id = client.get("/api/auth/me/tokens", headers=as_b).json()[0]["token_id"]
    [notification] = client.get("/api/notifications", headers=as_b).json()
    done = {"state": "obsolete"}  # the user task was completed through the process
    [b_task] = client.get("/api/tasks", params=done, headers=as_b).json()["items"]
    claim = {"case_type": "claim", "business_key": "S-1", "title": "Sturm",
             "data": {"claim_number": "S-1"}}  # fmt: skip
    case = client.post("/api/cases", json=claim, headers=as_b).json()
    letter = {"file": ("Schadenmeldung.pdf", b"%PDF-1.4 B's letter")}
    document = client.post(f"/api/cases/{case['case_id']}/documents", files=letter, headers=as_b)
    assert document.status_code == 201, document.text
    # a task created now is routed by the bound decision: B's decision record
    assert client.post("/api/tasks", json={"name": "Prüfen"}, headers=as_b).status_code == 201
    [record] = client.get("/api/rules/decisions", headers=as_b).json()
    portfolio = portfolio_world(client, b)
    request_id = transfer_request_of(kontor, client, b, portfolio["contract_id"])
    away = {"starts_at": "2026-07-01T00:00:00Z", "ends_at": "2026-07-15T00:00:00Z",
            "substitute_group_id": "operator_staff"}  # fmt: skip
    absence = client.post("/api/auth/me/absences", json=away, headers=as_b).json()
    urgent = {"table_id": "tasks", "name": "Dringend",
              "definition": {"field": "priority", "op": "ge", "value": 80}}  # fmt: skip
    saved = client.post("/api/saved-filters", json=urgent, headers=as_b).json()
    hourly = {"name": "Stündlich", "cron": "0 * * * *", "command_type": "process.start",
              "command_payload": {"process_key": "Order"}}  # fmt: skip
    schedule = client.post("/api/schedules", json=hourly, headers=as_b).json()
    client.post(f"/api/schedules/{schedule['schedule_id']}/run", headers=as_b)
    return {
        "request_id": request_id, "action": "forward",
        "tenant_id": b.principal.tenant_id, "user_id": b.principal.user_id,
        "permission": "process:read", "session_id": session.session_id, "token_id": token_id,
        "message_id": message_id, "model_key": "risk", "version": "1", "hook": "task.created",
        "process_key": "Order",
        "instance_id": instance["instance_id"], "incident_id": incident["incident_id"],
        "job_id": job["job_id"], "notification_id": notification["notification_id"],
        "task_id": b_task["task_id"], "operation": "claim", "case_id": case["case_id"],
        "attachment_id": document.json()["attachment_id"],
        "entity_type": "case", "entity_id": case["case_id"],
        "absence_id": absence["absence_id"], "filter_id": saved["filter_id"],
        "form_key": "schaden", "schedule_id": schedule["schedule_id"], **portfolio,
        **import_world(kontor, client, b), **webhook_world(kontor, client, b),
        **bipro_world(kontor, client, b),
        **links_document_of(kontor, b),
        "definition_id": client.get("/api/process/definitions", headers=as_b).json()[0][
            "definition_id"
        ],
        "variable_name": "x", "record_id": record["record_id"], "element_id": "Review",
        "comment_id": client.post(f"/engine-rest/task/{b_task['task_id']}/comment/create",
                                  json={"message": "B's"}, headers=as_b).json()["id"],
    }  # fmt: skip


def portfolio_world(client: TestClient, b: Caller) -> dict[str, str]:
    """B's portfolio: a customer with a bank account, a contract with a claim, a claims ratio."""
    as_b, base = b.headers, "/api/portfolio"
    person = {"first_name": "Bea", "last_name": "Beispiel", "date_of_birth": "1970-01-01"}
    customer = client.post(f"{base}/customers", json=person, headers=as_b).json()["customer_id"]
    account = client.post(f"{base}/customers/{customer}/bank-accounts",
                          json={"iban": "DE89370400440532013000"}, headers=as_b).json()  # fmt: skip
    contract = client.post(f"{base}/contracts", json={
        "customer_id": customer, "insurer_name": "B-Versicherung", "line_of_business_code": "130",
        "policy_number": "B-1", "annual_premium_gross": 100,
        "details": {"kind": "household", "risk_text": "FELS"},
    }, headers=as_b).json()["contract_id"]  # fmt: skip
    claim = client.post(f"{base}/contracts/{contract}/claims",
                        json={"occurred_on": "2025-01-01"}, headers=as_b).json()  # fmt: skip
    ratio = client.post(f"{base}/claims-ratios", json={
        "scope": "contract", "contract_id": contract, "period_start": "2025-01-01",
        "period_end": "2025-12-31", "ratio": 0,
    }, headers=as_b).json()  # fmt: skip
    return {
        "customer_id": customer, "account_id": account["account_id"], "contract_id": contract,
        "claim_id": claim["claim_id"], "ratio_id": ratio["ratio_id"],
    }  # fmt: skip


def import_world(kontor: Kontor, client: TestClient, b: Caller) -> dict[str, str]:
    """B's GDV import run, done, with the contracts of its file."""
    files = {"file": ("bestand.gdv", household_file(dt.date(2026, 1, 1)))}
    answer = client.post("/api/portfolio/imports", files=files, headers=b.headers)
    assert answer.status_code == 201, answer.text
    assert kontor.imports is not None
    kontor.imports.run_until_idle()
    return {"run_id": answer.json()["run_id"]}


def rows_of(engine: Engine, tenant_id: str) -> dict[str, list[tuple[str, ...]]]:
    """Every row of ``tenant_id`` in every table, as text, in a stable order."""
    snapshot = {}
    with engine.connect() as connection:
        for table in load_schema().sorted_tables:
            if "tenant_id" not in table.c:
                continue
            rows = connection.execute(select(table).where(table.c.tenant_id == tenant_id))
            snapshot[table.name] = sorted(tuple(map(str, row)) for row in rows)
    return snapshot


def transfer_request_of(kontor: Kontor, client: TestClient, b: Caller, contract_id: str) -> str:
    """B's contract in the transfer app, forwarded to the insurer B hangs under."""
    tenant_id = b.principal.tenant_id
    with kontor.bus.unit_of_work() as uow:
        found = TenantStore(uow.connection).find(tenant_id)
        if found is not None and found.parent_tenant_id is None:
            # B was created on its own; for the transfer app it needs an insurer above it
            insurer = f"insurer-of-{tenant_id}"
            provision_tenant(uow.connection, insurer, "Versicherer", TenantKind.INSURER,
                             uow.clock.now())  # fmt: skip
            uow.connection.execute(
                update(tenants)
                .where(tenants.c.tenant_id == tenant_id)
                .values(parent_tenant_id=insurer)
            )
        uow.commit()
    base = "/api/apps/portfolio-transfer"
    added = client.post(f"{base}/requests", json={"contract_ids": [contract_id]}, headers=b.headers)
    request_id: str = added.json()["results"][0]["request"]["request_id"]
    forwarded = client.post(f"{base}/requests/{request_id}/forward", json={}, headers=b.headers)
    assert forwarded.status_code == 200, forwarded.text
    return request_id


def links_document_of(kontor: Kontor, b: Caller) -> dict[str, str]:
    """A Links document of the insurer B hangs under (B's brokers may read it)."""
    with kontor.bus.unit_of_work() as uow:
        tenants = TenantStore(uow.connection)
        insurer = tenants.get(b.principal.tenant_id).parent_tenant_id
        while insurer is not None and tenants.get(insurer).kind is not TenantKind.INSURER:
            insurer = tenants.get(insurer).parent_tenant_id  # a sub-broker: up to its insurer
        assert insurer is not None
        document = LinkDocuments(uow.connection, insurer).add(
            StoredBlob("links-test-blob", 5, "0" * 64), "avb.pdf", "AVB", "contract",
            "uw", uow.clock.now(),
        )  # fmt: skip
        uow.commit()
    return {"document_id": document.document_id}
