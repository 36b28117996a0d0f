"""Server-side render time of the browser UI's main pages, through the whole ASGI stack.

A throwaway SQLite database (or PostgreSQL with ``--postgres``) gets one insurer tenant with an
administrator, ``--users`` users and ``--tasks`` tasks of the administrator; then every page is
requested ``--rounds`` times with the administrator's API token (a session would do the same
work). Prints JSON: p50 and p95 in milliseconds per page; on PostgreSQL also the transactions
the server committed and rolled back per page request (its database's counters: keep other
clients of that database quiet meanwhile). Usage:
    python benchmarks/ui.py [--users 500] [--tasks 5000] [--rounds 30] [--postgres URL]

``--work-list-tasks 1000000 --postgres URL`` instead measures the work list's page and its data
requests over that many tasks generated inside PostgreSQL (as ``worklist.py`` does);
``--browser`` measures the task view's time to first render in Debian's Chromium.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from scratch_schemas import postgres_schema
from sqlalchemy import Engine, insert, text
from ui_scale import task_view_first_render, work_list_at_scale

from kontor import db
from kontor.bootstrap import bootstrap, load_schema
from kontor.casework.tasks import CreateTask
from kontor.platform import (
    ADMINISTRATORS,
    Directory,
    TenantKind,
    TokenStore,
    principal_of,
    provision_tenant,
)
from kontor.platform.tables import memberships, users
from kontor.settings import Settings
from kontor.web import create_app

TENANT = "bench"
STATS_FLUSH_SECONDS = 2.5
TRANSACTIONS = (
    "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()"
)
CONDITIONS = json.dumps(
    {"any": [{"field": "name", "op": "contains", "value": "7"},
             {"all": [{"field": "priority", "op": "ge", "value": "50"},
                      {"field": "state", "op": "eq", "value": "reserved"}]}]}
)  # fmt: skip
PAGES = {
    "menu": "/",
    "work list": "/tasks?f_list=all",
    "work list, search": "/tasks?f_list=all&q=prüfen 7",
    "work list, nested conditions": "/tasks?f_list=all&cond=" + CONDITIONS,
    "users": "/admin/users",
    "users, search": "/admin/users?q=nutzer 4",
    "groups": "/admin/groups",
    "group permission editor": "/admin/groups/underwriters",
    "API tokens": "/admin/tokens",
    "profile": "/profile",
}


def populate(kontor: Any, number_of_users: int, number_of_tasks: int) -> str:
    """The tenant, its administrator (returned: their token), users and tasks."""
    with kontor.bus.unit_of_work() as uow:
        now = uow.clock.now()
        provision_tenant(uow.connection, TENANT, "Bench AG", TenantKind.INSURER, now)
        directory = Directory(uow.connection, TENANT)
        admin = directory.add_user(
            login="admin@bench.test", display_name="Admin", email="admin@bench.test",
            group_ids=[ADMINISTRATORS], now=now,
        )  # fmt: skip
        rows = [
            {"user_id": f"u{n}", "tenant_id": TENANT, "login": f"nutzer{n}@bench.test",
             "display_name": f"Nutzer {n}", "email": f"nutzer{n}@bench.test", "active": True,
             "created_at": now, "created_by": admin.user_id}
            for n in range(number_of_users)
        ]  # fmt: skip
        uow.connection.execute(insert(users), rows)
        uow.connection.execute(insert(memberships), [
            {"tenant_id": TENANT, "user_id": r["user_id"], "group_id": "underwriters"} for r in rows
        ])  # fmt: skip
        principal = principal_of(uow.connection, TENANT, admin.user_id)
        assert principal is not None
        _, token = TokenStore(uow.connection).create(
            TENANT, admin.user_id, "bench", principal.permissions, now, now + dt.timedelta(days=1)
        )
        uow.commit()
    for n in range(number_of_tasks):
        kontor.bus.handle(CreateTask(
            tenant_id=TENANT, actor=admin.user_id, name=f"Schaden prüfen {n}",
            assignee=admin.user_id if n % 3 else None, priority=n % 101,
            candidate_groups=[] if n % 3 else [ADMINISTRATORS],
        ))  # fmt: skip
    return str(token)


def measure(client: TestClient, token: str, rounds: int) -> dict[str, Any]:
    """p50/p95 per page in milliseconds."""
    headers = {"Authorization": f"Bearer {token}"}
    result = {}
    for name, path in PAGES.items():
        assert client.get(path, headers=headers).status_code == 200, path  # warm up
        times = []
        for _ in range(rounds):
            began = time.perf_counter()
            answer = client.get(path, headers=headers)
            times.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 200, path
        times.sort()
        result[name] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        }
    return result


def main() -> None:
    """Build the data, measure the pages, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--work-list-tasks", type=int, default=0)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--browser", action="store_true")
    args = parser.parse_args()
    load_schema()
    if args.work_list_tasks or args.browser:
        if args.work_list_tasks and not args.postgres:
            parser.error("--work-list-tasks needs --postgres URL")
        measured = {"work_list": work_list_at_scale(args)} if args.work_list_tasks else {}
        if args.browser:
            measured["task_view"] = task_view_first_render(args)
        print(json.dumps(measured | {"load_average": os.getloadavg()}, indent=2))
        return
    with ExitStack() as stack:
        if args.postgres:
            url, _ = stack.enter_context(postgres_schema(args.postgres))
        else:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            url = f"sqlite:///{folder / 'ui.db'}"
        engine = db.create_database_engine(url)
        db.upgrade(engine)
        kontor = bootstrap(Settings(database_url=url), engine=engine)
        token = populate(kontor, args.users, args.tasks)
        with TestClient(create_app(kontor.settings, kontor)) as client:
            before = _transactions(engine)
            pages = measure(client, token, args.rounds)
            after = _transactions(engine)
        engine.dispose()
    store = "postgresql" if args.postgres else "sqlite"
    summary = {"store": store, "users": args.users, "tasks": args.tasks, "rounds": args.rounds}
    if args.postgres:
        requests = len(PAGES) * (args.rounds + 1)
        summary["per_request"] = {
            kind: round((after[kind] - before[kind]) / requests, 2) for kind in before
        }
    print(json.dumps({**summary, "pages": pages}, indent=2))


def _transactions(engine: Engine) -> dict[str, int]:
    """PostgreSQL's counts of committed and rolled-back transactions in this database."""
    if engine.dialect.name != "postgresql":
        return {}
    time.sleep(STATS_FLUSH_SECONDS)  # sessions report their counts when idle, within a second
    with engine.connect() as connection:
        row = connection.execute(text(TRANSACTIONS)).one()
    return {"commits": int(row.xact_commit), "rollbacks": int(row.xact_rollback)}


if __name__ == "__main__":
    main()
