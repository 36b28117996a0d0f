"""What authentication and the audit log cost: requests/s and process starts/s with and without.

1. An authenticated GET (bearer token; session cookie) against the same route wired without
   authentication: for those rounds this script hands the app a principal provider that
   returns a fixed principal, so handler, query, middleware and serialisation stay the same.
2. Process starts per second with the audit log on and off.

Variants run in interleaved rounds in one run, so a machine busy with other work slows all of
them alike; the median round counts. SQLite always, PostgreSQL too when
KONTOR_TEST_POSTGRES_URL is set. Prints JSON. Usage:
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


@contextmanager
def without_authentication(app: FastAPI, principal: Principal) -> Iterator[FastAPI]:
    """``app`` resolving every request to ``principal`` without reading credentials, for the block.

    The same app object serves both variants (its metrics register once): the route, its
    permission check, middleware and serialisation stay the same; only the lookup of the bearer
    token or session (hash, query, expiry and idle checks) is left out.
    """
    provider = app.state.principal_provider
    app.state.principal_provider = lambda request: principal
    try:
        yield app
    finally:
        app.state.principal_provider = provider


def unauthenticated_rate(app: FastAPI, principal: Principal, requests: int) -> float:
    """Requests/s of ``ROUTE`` wired without authentication."""
    with without_authentication(app, principal):
        return asyncio.run(requests_per_second(app, requests))


async def requests_per_second(app: FastAPI, requests: int, **auth: Any) -> float:
    """Send ``requests`` GETs of ``ROUTE`` one after another; the rate achieved."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", **auth) as client:
        started = time.perf_counter()
        for _ in range(requests):
            response = await client.get(ROUTE + QUERY)
            if response.status_code != 200:
                raise SystemExit(f"{ROUTE}: {response.status_code} {response.text}")
        return requests / (time.perf_counter() - started)


def interleaved(rounds: int, variants: dict[str, Callable[[], float]]) -> dict[str, float]:
    """Run every variant once per round, in turn, the order reversed every other round (so
    that no variant always runs first or last); the median of each variant's rounds.

    A first round warms every variant up (imports, prepared statements, pools) unmeasured.
    """
    for measure in variants.values():
        measure()
    measured: dict[str, list[float]] = {name: [] for name in variants}
    order = list(variants.items())
    for round_number in range(rounds):
        for name, measure in order if round_number % 2 == 0 else reversed(order):
            measured[name].append(measure())
    return {name: statistics.median(values) for name, values in measured.items()}


def authentication_cost(settings: Settings, requests: int, rounds: int) -> dict[str, Any]:
    """Requests/s of ``ROUTE`` with a bearer token, a session cookie and no authentication."""
    kontor = wire(settings)
    listen_for_changes(kontor)
    principal, token, session = sign_in(kontor)
    app = create_app(settings, kontor)
    rates = interleaved(
        rounds,
        {
            "bearer": lambda: asyncio.run(
                requests_per_second(app, requests, headers={"Authorization": f"Bearer {token}"})
            ),
            "session_cookie": lambda: asyncio.run(
                # the cookie as a plain header: httpx's cookie jar costs the client more per
                # request than the server spends on the session, and the client is not measured
                requests_per_second(
                    app, requests, headers={"Cookie": f"{SESSION_COOKIE}={session}"}
                )
            ),
            "unauthenticated": lambda: unauthenticated_rate(app, principal, requests),
        },
    )
    kontor.stop()
    return {
        "route": f"GET {ROUTE}{QUERY}",
        "requests_per_round": requests,
        "requests_per_second": {name: round(rate) for name, rate in rates.items()},
        "ratio_bearer": round(rates["bearer"] / rates["unauthenticated"], 3),
        "ratio_session_cookie": round(rates["session_cookie"] / rates["unauthenticated"], 3),
        "principal_cache": principal_cache_use(kontor),
        "goal_ratio": 0.85,
    }


def principal_cache_use(kontor: Kontor) -> dict[str, int] | None:
    """Lookups answered from memory and from the database (None: no cache, as on SQLite)."""
    cache = kontor.authenticator.cache
    return None if cache is None else {"hits": cache.hits, "misses": cache.misses}


def starts_per_second(kontor: Kontor, starts: int, actor: str) -> float:
    """Start ``starts`` instances one transaction each; the rate achieved."""
    started = time.perf_counter()
    for _ in range(starts):
        kontor.bus.handle(StartProcess(tenant_id=TENANT, process_key="Claim", actor=actor))
    return starts / (time.perf_counter() - started)


def audit_cost(settings_for: Callable[[str], Settings], starts: int, rounds: int) -> dict[str, Any]:
    """Process starts/s with the audit log on and off, each on a database of its own."""
    wired: dict[str, Kontor] = {}
    for name, enabled in (("audit_on", True), ("audit_off", False)):
        settings = settings_for(name).model_copy(update={"audit_log_enabled": enabled})
        wired[name] = wire(settings)
        wired[name].bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=MODEL))
    rates = interleaved(
        rounds,
        {
            name: partial(starts_per_second, kontor, starts, "bench")
            for name, kontor in wired.items()
        },
    )
    for kontor in wired.values():
        kontor.stop()
    return {
        "starts_per_round": starts,
        "starts_per_second": {name: round(rate) for name, rate in rates.items()},
        "ratio": round(rates["audit_on"] / rates["audit_off"], 3),
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
