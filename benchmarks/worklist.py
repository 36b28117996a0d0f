"""Work lists at scale on PostgreSQL: list and count with three filters (one on case data),
sorted by due date, first page; and bulk completions over the API of standalone tasks and of
process tasks (whose instances then move on to their end).

Tasks, candidates and cases are generated inside PostgreSQL (generate_series) in a throwaway
schema: each task is offered to one of ``--groups`` groups, assigned to one of ``--users``
users or not, has a priority 0–100, a due date, and belongs to one of the cases (one per ten
tasks) whose data holds an ``amount``. Prints JSON. Usage:
    KONTOR_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
    python benchmarks/worklist.py [--tasks 1000000] [--groups 50] [--users 2000] [--bulk 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import time
from typing import Any

from fastapi.testclient import TestClient
from scratch_schemas import postgres_schema
from sqlalchemy import Engine, func, select, text

from kontor import db
from kontor.api import create_app
from kontor.api.routes.tasks import COUNT_EXACT_UP_TO
from kontor.bootstrap import Kontor, bootstrap, load_schema
from kontor.casework.tasks import CreateTask, Sort, TaskFilter, TaskQueries, View, Viewer
from kontor.casework.tasks.filtering import TASK_FILTER_FIELDS
from kontor.platform import (
    OPERATOR_STAFF,
    Directory,
    TenantKind,
    TokenStore,
    principal_of,
    provision_tenant,
)
from kontor.platform.saved_filters import parse_filter
from kontor.process import DeployProcess, StartProcess
from kontor.process.store.tables import process_instances
from kontor.settings import Settings

TENANT = "bench"
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
LETTER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://t">
  <bpmn:process id="Letter" isExecutable="true">
    <bpmn:startEvent id="S"/>
    <bpmn:userTask id="Write" camunda:assignee="{user}"/>
    <bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Write"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Write" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>"""

FILL = """
INSERT INTO cases (case_id, tenant_id, case_type, business_key, title, status, data,
                   created_at, revision)
SELECT 'c' || n, :tenant, 'claim', 'S-' || n, 'Schaden ' || n, 'reported',
       jsonb_build_object('amount', (n * 7919) % 20000, 'claim_number', 'S-' || n),
       :start, 1
FROM generate_series(1, :cases) AS n;

INSERT INTO tasks (task_id, tenant_id, name, state, assignee, priority, due_at, variables,
                   draft, case_id, created_at, updated_at, revision)
SELECT 't' || n, :tenant, 'Schaden prüfen ' || (n % 20),
       CASE WHEN n % 3 = 0 THEN 'reserved' ELSE 'ready' END,
       CASE WHEN n % 3 = 0 THEN 'u' || (n % :users) END,
       (n * 37) % 101, :start + ((n * 131) % 525600) * interval '1 minute',
       '{}'::jsonb, '{}'::jsonb, 'c' || (1 + n % :cases), :start, :start, 1
FROM generate_series(1, :tasks) AS n;

INSERT INTO task_candidates (task_id, kind, identity, tenant_id, is_open, due_key,
                             priority_order, created_at)
SELECT task_id, 'group', 'g' || (substr(task_id, 2)::int % :groups), tenant_id, true, due_at,
       -priority, created_at
FROM tasks WHERE tenant_id = :tenant;
"""


def main() -> None:
    """Run the measurements and print them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--bulk", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--postgres", default=os.environ.get("KONTOR_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not args.postgres:
        parser.error("give --postgres or set KONTOR_TEST_POSTGRES_URL")
    load_schema()
    with postgres_schema(args.postgres) as (url, _):
        engine = db.create_database_engine(url)
        db.upgrade(engine)
        started = time.perf_counter()
        fill(engine, args)
        filled = time.perf_counter() - started
        kontor = bootstrap(Settings(database_url=url, audit_log_enabled=True), engine=engine)
        result: dict[str, Any] = {
            "tasks": args.tasks, "groups": args.groups, "users": args.users,
            "fill_seconds": round(filled, 1),
        }  # fmt: skip
        result |= work_list(kontor, args)
        if args.bulk:
            result |= bulk_completion(kontor, args.bulk)
        engine.dispose()
    result["load_average_after"] = os.getloadavg()[0]
    print(json.dumps(result, indent=2))


def fill(engine: Engine, args: argparse.Namespace) -> None:
    """Generate the tasks, their candidate groups and their cases; analyse the tables."""
    values = {"tenant": TENANT, "start": START, "tasks": args.tasks, "groups": args.groups,
              "users": args.users, "cases": max(args.tasks // 10, 1)}  # fmt: skip
    with engine.begin() as connection:
        for statement in FILL.split(";"):
            if statement.strip():
                connection.execute(text(statement), values)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE cases; ANALYZE tasks; ANALYZE task_candidates"))


def work_list(kontor: Kontor, args: argparse.Namespace) -> dict[str, Any]:
    """p50/p95 of the first page and of the count with three filters, one on case data."""
    rng = random.Random(7)
    pages, counts, sizes = [], [], []
    estimated = 0
    now = START + dt.timedelta(days=200)
    for _ in range(args.queries):
        group = f"g{rng.randrange(args.groups)}"
        tree = parse_filter({"all": [
            {"field": "candidate_group", "op": "eq", "value": group},
            {"field": "priority", "op": "ge", "value": 50},
            {"field": "case.data.amount", "op": "gt", "value": 15000},
        ]}, TASK_FILTER_FIELDS)  # fmt: skip
        wanted = TaskFilter(View.ALL, tree=tree)
        viewer = Viewer(f"u{rng.randrange(args.users)}", frozenset({group}))
        with kontor.bus.reading() as uow:
            queries = TaskQueries(uow.connection, TENANT)
            began = time.perf_counter()
            page = queries.page(viewer, wanted, Sort.DUE, 50, None, now)
            pages.append(time.perf_counter() - began)
            began = time.perf_counter()
            counted = queries.count_or_estimate(viewer, wanted, now, COUNT_EXACT_UP_TO)
            counts.append(time.perf_counter() - began)
            sizes.append(counted.count)
            estimated += counted.estimated
        assert len(page.items) == min(50, sizes[-1])
    return {
        "list_first_page_ms": _percentiles(pages),
        "count_ms": _percentiles(counts),
        "count_median": statistics.median(sizes),
        "counts_estimated": f"{estimated} of {args.queries} (exact up to {COUNT_EXACT_UP_TO})",
    }


def bulk_completion(kontor: Kontor, number: int) -> dict[str, Any]:
    """Seconds for one bulk request completing ``number`` standalone tasks over the API, and
    for one completing the user tasks of ``number`` process instances (which then end)."""
    with kontor.bus.unit_of_work() as uow:
        now = uow.clock.now()
        provision_tenant(uow.connection, "bulk", "Bulk", TenantKind.OPERATOR, now)
        user = Directory(uow.connection, "bulk").add_user(
            login="bulk@example.org", display_name="Bulk", email="bulk@example.org",
            group_ids=[OPERATOR_STAFF], now=now,
        )  # fmt: skip
        principal = principal_of(uow.connection, "bulk", user.user_id)
        assert principal is not None
        _, token = TokenStore(uow.connection).create(
            "bulk", user.user_id, "bench", principal.permissions, now, now + dt.timedelta(days=1)
        )
        uow.commit()
    ids = [
        kontor.bus.handle(
            CreateTask(tenant_id="bulk", actor=user.user_id, name=f"Brief {n}",
                       assignee=user.user_id)
        ).id
        for n in range(number)
    ]  # fmt: skip
    client = TestClient(create_app(kontor.settings, kontor))
    client.__enter__()
    took = _bulk_request(client, token, ids)
    result: dict[str, Any] = {
        "bulk_complete_tasks": number, "bulk_complete_seconds": round(took, 2),
        "bulk_complete_per_second": round(number / took, 1),
    }  # fmt: skip
    ids = _process_tasks(kontor, user.user_id, number)
    took = _bulk_request(client, token, ids)
    client.__exit__(None, None, None)
    with kontor.bus.reading() as uow:
        ended = uow.connection.execute(
            select(func.count()).where(
                process_instances.c.tenant_id == "bulk", process_instances.c.status == "completed"
            )
        ).scalar_one()
    assert ended == number, f"{ended} of {number} instances ended"
    return result | {
        "bulk_complete_process_tasks": number, "bulk_complete_process_seconds": round(took, 2),
        "bulk_complete_process_per_second": round(number / took, 1),
    }  # fmt: skip


def _process_tasks(kontor: Kontor, user_id: str, number: int) -> list[str]:
    """Start ``number`` instances that wait in a user task for ``user_id``; their tasks' ids."""
    kontor.bus.handle(DeployProcess(tenant_id="bulk", bpmn_xml=LETTER.format(user=user_id)))
    for first in range(0, number, 200):
        starts = [StartProcess(tenant_id="bulk", actor=user_id, process_key="Letter")
                  for _ in range(first, min(first + 200, number))]  # fmt: skip
        with kontor.bus.batch_delivery():
            kontor.bus.handle_all(starts)
    mine = TaskFilter(View.MINE)
    with kontor.bus.reading() as uow:
        page = TaskQueries(uow.connection, "bulk").page(
            Viewer(user_id, frozenset()), mine, Sort.CREATED, number, None, uow.clock.now()
        )
    assert len(page.items) == number, f"{len(page.items)} process tasks of {number}"
    return [task.id for task in page.items]


def _bulk_request(client: TestClient, token: str, ids: list[str]) -> float:
    body = {"operation": "complete", "arguments": {"data": {"erledigt": True}},
            "selection": {"task_ids": ids}}  # fmt: skip
    began, cpu = time.perf_counter(), time.process_time()
    response = client.post(
        "/api/tasks/bulk", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    took = time.perf_counter() - began
    print(f"bulk of {len(ids)}: {took:.2f} s, {time.process_time() - cpu:.2f} s CPU of Kontor")
    answer = response.json()
    assert response.status_code == 200, response.text[:500]
    assert answer["succeeded"] == len(ids), answer["items"][:3]
    return took


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50": round(statistics.median(ordered) * 1000, 1),
        "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 1),
    }


if __name__ == "__main__":
    main()
