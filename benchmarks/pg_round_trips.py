"""Where the PostgreSQL path spends its time: statements, round trips and driver time per instance.

Usage: python benchmarks/pg_round_trips.py [--instances N] [--postgres URL]

Runs the claim-triage model of ``engine_vs_spiff.py`` on PostgreSQL (a throwaway schema per
mode) in its per-command and bulk modes while counting, at psycopg's surface, every statement
sent, every round trip (a statement outside a pipeline, a BEGIN sent alone before it, a
pipeline's sync, a COMMIT outside a pipeline, a COPY) and the wall time spent inside the
driver's calls. Prints JSON per mode: per instance and per transaction.
The counting itself costs time, so the rates printed here are lower than the benchmark's.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from engine_vs_spiff import run_kontor
from scratch_schemas import postgres_schema

from kontor import db


@dataclass
class Counts:
    """What the driver was asked to do, and how long its calls took."""

    statements: int = 0
    round_trips: int = 0
    commits: int = 0
    driver_seconds: float = 0.0
    depth: int = 0  # nested driver calls count their time once


COUNTS = Counts()


def _in_pipeline(cursor_or_connection: Any) -> bool:
    connection = getattr(cursor_or_connection, "connection", cursor_or_connection)
    return getattr(connection, "_pipeline", None) is not None


@contextmanager
def _driver_time() -> Iterator[None]:
    COUNTS.depth += 1
    started = time.perf_counter()
    try:
        yield
    finally:
        COUNTS.depth -= 1
        if COUNTS.depth == 0:
            COUNTS.driver_seconds += time.perf_counter() - started


def _wrap(owner: type, name: str, count: Callable[[Any, tuple[Any, ...]], None]) -> None:
    original = getattr(owner, name)

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        count(self, args)
        with _driver_time():
            return original(self, *args, **kwargs)

    setattr(owner, name, counted)


def _on_execute(cursor: Any, _args: tuple[Any, ...]) -> None:
    COUNTS.statements += 1
    if not _in_pipeline(cursor):
        COUNTS.round_trips += 1


def _on_executemany(cursor: Any, args: tuple[Any, ...]) -> None:
    COUNTS.statements += len(args[1]) if len(args) > 1 else 0
    if not _in_pipeline(cursor):
        COUNTS.round_trips += 1  # psycopg sends the rows as one pipeline


def _on_copy(_cursor: Any, _args: tuple[Any, ...]) -> None:
    COUNTS.statements += 1
    COUNTS.round_trips += 1


def _on_commit(connection: Any, _args: tuple[Any, ...]) -> None:
    COUNTS.commits += 1
    if not _in_pipeline(connection):
        COUNTS.round_trips += 1


def _on_pipeline_exit(_pipeline: Any, _args: tuple[Any, ...]) -> None:
    if getattr(_pipeline, "level", 1) <= 1:
        COUNTS.round_trips += 1  # the outermost block syncs: one wait for every answer


def _count_begin(connection_class: type) -> None:
    """A BEGIN sent on its own (the transaction's first statement outside a pipeline) waits for
    its answer: one more round trip."""
    original = connection_class._start_query

    def starting(self: Any) -> Any:
        idle = self.pgconn.transaction_status == psycopg.pq.TransactionStatus.IDLE
        if not self.autocommit and idle and not _in_pipeline(self):
            COUNTS.round_trips += 1
        return original(self)

    connection_class._start_query = starting


def instrument() -> None:
    """Count at psycopg's surface (statements, round trips, commits, time in its calls)."""
    _wrap(psycopg.Cursor, "execute", _on_execute)
    _wrap(psycopg.Cursor, "executemany", _on_executemany)
    _wrap(psycopg.Cursor, "copy", _on_copy)
    _wrap(psycopg.Connection, "commit", _on_commit)
    _wrap(psycopg.Pipeline, "__exit__", _on_pipeline_exit)
    _count_begin(psycopg.Connection)


def _counted(instances: int, url: str, mode: str) -> tuple[Counts, dict[str, Any]]:
    before = Counts(**vars(COUNTS))
    figures = run_kontor(instances, url, mode=mode)
    spent = Counts(
        COUNTS.statements - before.statements,
        COUNTS.round_trips - before.round_trips,
        COUNTS.commits - before.commits,
        COUNTS.driver_seconds - before.driver_seconds,
    )
    return spent, figures


def _migrated(url: str) -> None:
    engine = db.create_database_engine(url)
    try:
        db.upgrade(engine)
    finally:
        engine.dispose()


def measure(instances: int, url: str, mode: str) -> dict[str, Any]:
    """Run ``instances`` claims in ``mode`` and report what the driver did for them (less what
    a run without instances needs: the model's deployment), in a throwaway schema of the
    database at ``url``."""
    with postgres_schema(url) as (scratch, _schema):
        _migrated(scratch)  # before counting: both runs find the schema up to date
        setup, _ = _counted(0, scratch, mode)
        spent, figures = _counted(instances, scratch, mode)
    statements = spent.statements - setup.statements
    round_trips = spent.round_trips - setup.round_trips
    commits = spent.commits - setup.commits
    driver = spent.driver_seconds - setup.driver_seconds
    return {
        "instances": instances,
        "seconds": figures["seconds"],
        "per_instance": {
            "statements": round(statements / instances, 1),
            "round_trips": round(round_trips / instances, 1),
            "commits": round(commits / instances, 2),
            "wall_ms": round(figures["seconds"] * 1000 / instances, 2),
            "in_driver_ms": round(driver * 1000 / instances, 2),
        },
        "per_transaction": {
            "statements": round(statements / max(commits, 1), 1),
            "round_trips": round(round_trips / max(commits, 1), 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=500)
    parser.add_argument("--postgres", default=os.environ.get("KONTOR_TEST_POSTGRES_URL"))
    arguments = parser.parse_args()
    if not arguments.postgres:
        parser.error("give --postgres URL or set KONTOR_TEST_POSTGRES_URL")
    instrument()
    report = {
        mode: measure(arguments.instances, arguments.postgres, mode)
        for mode in ("per_command", "bulk")
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
