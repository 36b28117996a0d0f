"""What authentication and the audit log cost: requests/s and process starts/s with and without.

1. An authenticated GET (bearer token; session cookie) against the same route wired without
   authentication: for those rounds this script hands the app a principal provider that
   returns a fixed principal, so handler, query, middleware and serialisation stay the same.
2. Process starts per second with the audit log on (each round seals the entries it wrote)
   and off.

Variants take turns request by request (start by start) within each round, so a moment when
the shared machine is slow hits all of them alike; the median of the rounds' ratios counts.
SQLite always, PostgreSQL too when KONTOR_TEST_POSTGRES_URL is set. Prints JSON. Usage:
    python benchmarks/auth.py [--requests 2000] [--starts 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx2 as httpx
from fastapi import FastAPI
from scratch_schemas import postgres_schema

from kontor import db
from kontor.api import create_app
from kontor.api.authentication import SESSION_COOKIE
from kontor.bootstrap import Kontor, bootstrap, load_schema
from kontor.platform import (
    OPERATOR_STAFF,
    Directory,
    Principal,
    SessionStore,
    TenantKind,
    TokenStore,
    principal_of,
    provision_tenant,
)
from kontor.process import DeployProcess, StartProcess
from kontor.settings import Settings

TENANT = "bench"
ROUTE = "/api/notifications"  # a typical small read: the browser asks for the next unread one
QUERY = "?unread=true&limit=1"
MODEL = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' id="d" targetNamespace="http://t"><bpmn:process id="Claim" isExecutable="true">'
    '<bpmn:startEvent id="S"/><bpmn:userTask id="Review"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Review"/>'
    "</bpmn:process></bpmn:definitions>"
)


def wire(settings: Settings) -> Kontor:
    """A migrated Kontor process for ``settings``."""
    load_schema()
    engine = db.create_database_engine(settings.effective_database_url)
    db.upgrade(engine)
    return bootstrap(settings, engine=engine)


def listen_for_changes(kontor: Kontor) -> None:
    """Start listening as ``kontor serve`` does: on PostgreSQL the principal cache then answers."""
    kontor.start(pump=False)
    cache = kontor.authenticator.cache
    deadline = time.monotonic() + 30
    while cache is not None and not cache.answering:
        if time.monotonic() > deadline:
            raise SystemExit("the principal cache never started listening")
        time.sleep(0.01)


def sign_in(kontor: Kontor) -> tuple[Principal, str, str]:
    """A user of a fresh tenant: their principal, an API token and a session secret."""
    with kontor.bus.unit_of_work() as uow:
        now = uow.clock.now()
        provision_tenant(uow.connection, TENANT, "Benchmark", TenantKind.OPERATOR, now)
        user = Directory(uow.connection, TENANT).add_user(
            login="bench@example.org", display_name="Bench", email="bench@example.org",
            group_ids=[OPERATOR_STAFF], now=now,
        )  # fmt: skip
        principal = principal_of(uow.connection, TENANT, user.user_id)
        assert principal is not None
        later = now + dt.timedelta(days=1)
        _, token = TokenStore(uow.connection).create(
            TENANT, user.user_id, "bench", principal.permissions, now, later
        )
        _, session = SessionStore(uow.connection).open(
            TENANT, user.user_id, now, dt.timedelta(hours=1)
        )
        uow.commit()
    return principal, token, session


def measured(rounds: int, run_round: Callable[[], dict[str, float]]) -> dict[str, Any]:
    """Rates of every variant from ``rounds`` rounds (each gives the variants' rates, measured
    alternately item by item, so a slow moment of the machine hits all of them alike): the
    median rate of each and the median of each round's ratio to the last variant.

    A first round warms every variant up (imports, prepared statements, pools) unmeasured.
    """
    run_round()
    results = [run_round() for _ in range(rounds)]
    names = list(results[0])
    baseline = names[-1]
    return {
        "per_second": {name: round(statistics.median(r[name] for r in results)) for name in names},
        "ratios": {
            name: round(statistics.median(r[name] / r[baseline] for r in results), 3)
            for name in names[:-1]
        },
    }


async def _request_round(
    app: FastAPI, principal: Principal, token: str, session: str, requests: int
) -> dict[str, float]:
    """Requests/s of ``ROUTE`` with a bearer token, a session cookie and without
    authentication, sent in turn (the order reversed every other time), one after another.

    Without authentication the app's principal provider returns ``principal`` without reading
    credentials: the same app object, route, permission check, middleware and serialisation;
    only the lookup of the token or session (hash, query, expiry and idle checks) is left out.
    The cookie goes as a plain header: httpx's cookie jar costs the client more per request
    than the server spends on the session, and the client is not what is measured.
    """
    provider = app.state.principal_provider
    variants: dict[str, tuple[dict[str, str], Any]] = {
        "bearer": ({"Authorization": f"Bearer {token}"}, provider),
        "session_cookie": ({"Cookie": f"{SESSION_COOKIE}={session}"}, provider),
        "unauthenticated": ({}, lambda request: principal),
    }
    spent = dict.fromkeys(variants, 0.0)
    order = list(variants)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for number in range(requests):
                for name in order if number % 2 == 0 else reversed(order):
                    headers, app.state.principal_provider = variants[name]
                    started = time.perf_counter()
                    response = await client.get(ROUTE + QUERY, headers=headers)
                    spent[name] += time.perf_counter() - started
                    if response.status_code != 200:
                        raise SystemExit(f"{ROUTE}: {response.status_code} {response.text}")
    finally:
        app.state.principal_provider = provider
    return {name: requests / seconds for name, seconds in spent.items()}


def authentication_cost(settings: Settings, requests: int, rounds: int) -> dict[str, Any]:
    """Requests/s of ``ROUTE`` with a bearer token, a session cookie and no authentication."""
    kontor = wire(settings)
    listen_for_changes(kontor)
    principal, token, session = sign_in(kontor)
    app = create_app(settings, kontor)
    rates = measured(
        rounds, lambda: asyncio.run(_request_round(app, principal, token, session, requests))
    )
    kontor.stop()
    return {
        "route": f"GET {ROUTE}{QUERY}",
        "requests_per_round": requests,
        "requests_per_second": rates["per_second"],
        "ratio_bearer": rates["ratios"]["bearer"],
        "ratio_session_cookie": rates["ratios"]["session_cookie"],
        "principal_cache": principal_cache_use(kontor),
        "goal_ratio": 0.85,
    }


def principal_cache_use(kontor: Kontor) -> dict[str, int] | None:
    """Lookups answered from memory and from the database (None: no cache, as on SQLite)."""
    cache = kontor.authenticator.cache
    return None if cache is None else {"hits": cache.hits, "misses": cache.misses}


def _start_round(wired: dict[str, Kontor], starts: int) -> dict[str, float]:
    """Starts/s with the audit log on and off: ``starts`` of each, one transaction each, in
    turn; then the audited Kontor seals the entries they wrote (sealing files them into the
    chain's indexes, so it counts as part of what the audit log costs)."""
    command = StartProcess(tenant_id=TENANT, process_key="Claim", actor="bench")
    spent = dict.fromkeys(wired, 0.0)
    order = list(wired.items())
    for number in range(starts):
        for name, kontor in order if number % 2 == 0 else reversed(order):
            started = time.perf_counter()
            kontor.bus.handle(command)
            spent[name] += time.perf_counter() - started
    for name, kontor in wired.items():
        if kontor.audit is not None:
            started = time.perf_counter()
            now = kontor.clock.now()
            kontor.audit.seal(kontor.engine, now, now)
            spent[name] += time.perf_counter() - started
    return {name: starts / seconds for name, seconds in spent.items()}


def audit_cost(settings_for: Callable[[str], Settings], starts: int, rounds: int) -> dict[str, Any]:
    """Process starts/s with the audit log on and off, each on a database of its own."""
    wired: dict[str, Kontor] = {}
    for name, enabled in (("audit_on", True), ("audit_off", False)):
        settings = settings_for(name).model_copy(update={"audit_log_enabled": enabled})
        wired[name] = wire(settings)
        wired[name].bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=MODEL))
    rates = measured(rounds, partial(_start_round, wired, starts))
    for kontor in wired.values():
        kontor.stop()
    return {
        "starts_per_round": starts,
        "starts_per_second": rates["per_second"],
        "ratio": rates["ratios"]["audit_on"],
        "goal_ratio": 0.9,
    }


@contextmanager
def backends(scratch: Path) -> Iterator[list[tuple[str, Callable[[str], Settings]]]]:
    """(label, settings for a named database) of SQLite and, if configured, PostgreSQL."""
    found: list[tuple[str, Callable[[str], Settings]]] = [
        ("sqlite", lambda name: Settings(database_url=f"sqlite:///{scratch / name}.db"))
    ]
    pg = os.environ.get("KONTOR_TEST_POSTGRES_URL")
    with ExitStack() as schemas:
        if pg:
            found.append(
                (
                    "postgresql",
                    lambda _: Settings(database_url=schemas.enter_context(postgres_schema(pg))[0]),
                )
            )
        yield found


def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--starts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as scratch, backends(Path(scratch)) as found:
        for label, settings_for in found:
            results.append(
                {
                    "backend": label,
                    "authentication": authentication_cost(
                        settings_for("http"), args.requests, args.rounds
                    ),
                    "audit_log": audit_cost(settings_for, args.starts, args.rounds),
                }
            )
    print(
        json.dumps({"benchmark": "auth", "cpu_count": os.cpu_count(), "results": results}, indent=2)
    )


if __name__ == "__main__":
    main()
