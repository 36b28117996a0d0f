"""What a table export costs: rows per second and peak Python memory for CSV and XLSX.

The work list (the declared ``aufgaben`` table) is filled with N tasks in a fresh SQLite file
and exported through the same code the browser's export links run (row query, chunked reading,
names of users, formula escaping, xlsxwriter in constant-memory mode). Peak memory is measured
with tracemalloc for 1/10 of N and for N rows: constant-memory export keeps them close.
Prints JSON. Usage:
    python benchmarks/web_export.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from kontor import db
from kontor.bootstrap import bootstrap, load_schema
from kontor.casework.tasks.tables import tasks
from kontor.messaging import FakeClock
from kontor.platform import Principal
from kontor.settings import Environment, Settings
from kontor.web.pages.tasks import WORK_LIST
from kontor.web.views import ViewContext
from kontor.web.views.engine import all_rows
from kontor.web.views.export import csv_chunks, xlsx_chunks
from kontor.web.views.state import TableState

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
TENANT, USER = "bench", "u-1"


def fill(engine: Any, count: int) -> None:
    """``count`` reserved tasks of USER, half with a name that looks like a formula."""
    with engine.begin() as connection:
        batch = []
        for number in range(count):
            batch.append({
                "task_id": f"t-{number:09d}", "tenant_id": TENANT,
                "name": f"=Prüfung {number}" if number % 2 else f"Prüfung {number}",
                "state": "reserved", "assignee": USER, "priority": number % 100,
                "due_at": NOW + dt.timedelta(minutes=number), "variables": {}, "draft": {},
                "created_at": NOW, "updated_at": NOW, "revision": 1,
            })  # fmt: skip
            if len(batch) == 5000:
                connection.execute(insert(tasks), batch)
                batch = []
        if batch:
            connection.execute(insert(tasks), batch)


def measure(
    write: Callable[[Iterable[Any]], Iterator[bytes]], rows: Callable[[], Iterator[Any]]
) -> dict[str, Any]:
    """Seconds and bytes of writing the rows, then (a second pass) peak traced memory."""
    started = time.perf_counter()
    size = sum(len(chunk) for chunk in write(rows()))
    seconds = time.perf_counter() - started
    tracemalloc.start()
    for _chunk in write(rows()):
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"seconds": round(seconds, 3), "bytes": size, "peak_mib": round(peak / 2**20, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    arguments = parser.parse_args()
    results: dict[str, Any] = {"rows": arguments.rows}
    with tempfile.TemporaryDirectory() as folder:
        load_schema()
        engine = db.create_database_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        db.upgrade(engine)
        fill(engine, arguments.rows)
        settings = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-bench")
        kontor = bootstrap(settings, engine=engine, clock=FakeClock(NOW))
        principal = Principal(USER, TENANT, frozenset(), frozenset({"tasks:read"}))
        context = ViewContext(kontor, principal, NOW)
        state = TableState("", {"list": "mine"}, "due_at")
        writers: dict[str, Callable[[Iterable[Any]], Iterator[bytes]]] = {
            "csv": lambda rows: csv_chunks(WORK_LIST.columns, rows),
            "xlsx": lambda rows: xlsx_chunks(WORK_LIST.columns, rows, "Aufgaben"),
        }
        for name, write in writers.items():
            for cap in (arguments.rows // 10, arguments.rows):
                with engine.connect() as connection:

                    def rows(cap: int = cap, connection: Any = connection) -> Iterator[Any]:
                        return all_rows(connection, WORK_LIST, context, state, cap)

                    result = measure(write, rows)
                result["rows_per_second"] = round(cap / result["seconds"])
                results[f"{name}_{cap}"] = result
        engine.dispose()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
