"""The browser UI at scale: the work list over 1,000,000 tasks on PostgreSQL, and the task
view's time to first render in a real browser. Used by ``ui.py`` (``--work-list-tasks``,
``--browser``); see that script for the command lines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from scratch_schemas import postgres_schema
from served import served
from sqlalchemy import insert
from worklist import fill

from kontor import db
from kontor.bootstrap import Kontor, bootstrap
from kontor.casework.tasks import CreateTask
from kontor.platform import (
    ADMINISTRATORS,
    Directory,
    PasswordHasher,
    TenantKind,
    TokenStore,
    principal_of,
    provision_tenant,
)
from kontor.platform.permissions import GroupProfile
from kontor.platform.tables import memberships, users
from kontor.settings import Settings
from kontor.web import create_app

TENANT = "bench"  # the tenant worklist.fill writes into
VIEWER = "u7"  # a user the generated tasks are assigned to (every third task: n % users == 7)
VIEWER_GROUP = "g7"
PASSWORD = "Ein-langes-Benchmark-Passwort-7"


def _work_list_requests() -> dict[str, tuple[str, dict[str, str]]]:
    """The work list page, the partial its table reloads with, and the API's list and count."""
    partial = {"HX-Request": "true", "HX-Target": "table-area"}
    return {
        "page: my tasks (default list)": ("/tasks", {}),
        "page: my groups' tasks": ("/tasks?f_list=candidate", {}),
        "page: all open tasks": ("/tasks?f_list=all", {}),
        "page: my groups' tasks by priority": ("/tasks?f_list=candidate&sort=-priority", {}),
        "table reload: page 5 of my groups' tasks": ("/tasks?f_list=candidate&page=5", partial),
        "API: my groups' tasks, first 50": ("/api/tasks?view=candidate&limit=50", {}),
        "API: count of my groups' tasks": ("/api/tasks/count?view=candidate", {}),
        # last: the page remembers a search for the next requests that name none
        "page: my groups' tasks, search": ("/tasks?f_list=candidate&q=prüfen 7", {}),
    }


def work_list_at_scale(args: argparse.Namespace) -> dict[str, Any]:
    """p50/p95 of the work list's page and data requests over ``--work-list-tasks`` tasks."""
    with postgres_schema(args.postgres) as (url, _):
        engine = db.create_database_engine(url)
        db.upgrade(engine)
        began = time.perf_counter()
        fill(engine, argparse.Namespace(tasks=args.work_list_tasks, groups=args.groups,
                                        users=args.users))  # fmt: skip
        filled = time.perf_counter() - began
        kontor = bootstrap(Settings(database_url=url), engine=engine)
        token = _viewer_token(kontor, args.groups)
        headers = {"Authorization": f"Bearer {token}"}
        with TestClient(create_app(kontor.settings, kontor)) as client:
            timings = {
                name: _timed(
                    lambda p=path, h=extra: client.get(p, headers=headers | h), args.rounds
                )
                for name, (path, extra) in _work_list_requests().items()
            }
        engine.dispose()
    return {"tasks": args.work_list_tasks, "groups": args.groups, "fill_seconds": round(filled, 1),
            "requests": timings}  # fmt: skip


def _viewer_token(kontor: Kontor, number_of_groups: int) -> str:
    """The tenant, the generated candidate groups, the viewer in one of them; their API token."""
    with kontor.bus.unit_of_work() as uow:
        now = uow.clock.now()
        provision_tenant(uow.connection, TENANT, "Bench AG", TenantKind.INSURER, now)
        profiles = [
            GroupProfile(f"g{n}", f"Gruppe {n}", TenantKind.INSURER,
                         frozenset({"tasks:read", "tasks:work"}))
            for n in range(number_of_groups)
        ]  # fmt: skip
        Directory(uow.connection, TENANT).add_groups(profiles, now)
        uow.connection.execute(insert(users), {
            "user_id": VIEWER, "tenant_id": TENANT, "login": "u7@bench.test",
            "display_name": "Nutzer 7", "email": "u7@bench.test", "active": True,
            "created_at": now,
        })  # fmt: skip
        uow.connection.execute(
            insert(memberships), {"tenant_id": TENANT, "user_id": VIEWER, "group_id": VIEWER_GROUP}
        )
        principal = principal_of(uow.connection, TENANT, VIEWER)
        assert principal is not None
        _, token = TokenStore(uow.connection).create(
            TENANT, VIEWER, "bench", principal.permissions, now, now + dt.timedelta(days=1)
        )
        uow.commit()
    return str(token)


def task_view_first_render(args: argparse.Namespace) -> dict[str, Any]:
    """First contentful paint of the task view (with its form) in Chromium, p50/p95 in ms."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("--browser needs Debian's chromium")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'ui.db'}"
        engine = db.create_database_engine(url)
        db.upgrade(engine)
        kontor = bootstrap(Settings(database_url=url), engine=engine)
        login, task_ids = _people_and_tasks(kontor, args.tasks)
        with served(create_app(kontor.settings, kontor)) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                                 args=["--no-sandbox"])  # fmt: skip
            page = browser.new_page()
            page.goto(f"{base}/login")
            page.get_by_label("Anmeldename").fill(login)
            page.get_by_label("Passwort").fill(PASSWORD)
            page.get_by_role("button", name="Anmelden").click()
            page.wait_for_url(f"{base}/")
            paints, loads = [], []
            for round_number in range(args.rounds + 1):
                page.goto(f"{base}/tasks/{task_ids[round_number % len(task_ids)]}")
                page.get_by_role("heading", level=1).wait_for()
                page.wait_for_function(
                    "performance.getEntriesByName('first-contentful-paint').length > 0"
                )
                timing = page.evaluate(
                    """() => ({
                      paint: performance.getEntriesByName('first-contentful-paint')[0].startTime,
                      load: performance.getEntriesByType('navigation')[0].loadEventEnd})"""
                )
                if round_number:  # the first visit warms the server's template cache
                    paints.append(timing["paint"] / 1000)
                    loads.append(timing["load"] / 1000)
            browser.close()
        engine.dispose()
    return {
        "store": "sqlite", "tasks": args.tasks, "rounds": args.rounds,
        "first_contentful_paint": _percentiles(paints), "load_event": _percentiles(loads),
    }  # fmt: skip


def _people_and_tasks(kontor: Kontor, number_of_tasks: int) -> tuple[str, list[str]]:
    """An administrator who can log in, and tasks with the review form offered to them."""
    with kontor.bus.unit_of_work() as uow:
        now = uow.clock.now()
        provision_tenant(uow.connection, TENANT, "Bench AG", TenantKind.INSURER, now)
        admin = Directory(uow.connection, TENANT).add_user(
            login="admin@bench.test", display_name="Admin", email="admin@bench.test",
            group_ids=[ADMINISTRATORS], now=now, password_hash=PasswordHasher().hash(PASSWORD),
        )  # fmt: skip
        uow.commit()
    ids = [
        kontor.bus.handle(CreateTask(
            tenant_id=TENANT, actor=admin.user_id, name=f"Schaden prüfen {n}",
            assignee=admin.user_id, priority=n % 101, form_key="kontor.review",
            description="Bitte den Schaden prüfen und entscheiden.",
        )).id
        for n in range(number_of_tasks)
    ]  # fmt: skip
    return "admin@bench.test", ids


def _timed(request: Callable[[], Any], rounds: int) -> dict[str, float]:
    """p50/p95 in ms of ``rounds`` calls of ``request`` after one warm-up call."""
    assert request().status_code == 200
    seconds = []
    for _ in range(rounds):
        began = time.perf_counter()
        answer = request()
        seconds.append(time.perf_counter() - began)
        assert answer.status_code == 200, answer.text[:300]
    return _percentiles(seconds)


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 1),
    }
