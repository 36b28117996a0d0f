"""Full GDV import (steps 0/9 … 9/9) of a generated ~30 MB portfolio file, SQLite and PostgreSQL.

The file comes from ``gdv_parse.generate`` (the GDV benchmark's generator: Hausrat, Wohngebäude,
Haftpflicht, Unfall and Kfz contracts with their customer records, several data packages, a few
malformed records). Each backend gets a fresh, migrated database; the import runs through the
pipeline runner exactly as the background runner drives it. Reports the seconds per step and in
total, the CPU seconds of this process (the database server's are not in it), contracts per
second and the goal (SQLite < 10 s, PostgreSQL < 20 s). Beside it, the reader alone: the same
file parsed in a fresh process (every field decoded; goal ≥ 150,000 records/s) and a file ten
times the size, whose peak memory must stay within 20 % of the first's.

Prints JSON. Usage (PostgreSQL only when KONTOR_TEST_POSTGRES_URL is set):
    python benchmarks/gdv_import.py [--megabytes 30] [--backends sqlite,postgres] [--no-parse]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gdv_parse
from gdv_parse import generate

from kontor import db
from kontor.bootstrap import load_schema
from kontor.exchange import LocalBlobStore, store_chunks
from kontor.exchange.pipeline import PipelineRunner, Run
from kontor.messaging import SystemClock, UnitOfWork
from kontor.portfolio import GDV_IMPORT, gdv_import

GOALS = {"sqlite": 10.0, "postgres": 20.0}
PARSE_GOAL = 150_000  # logical records per second, every field decoded
MEMORY_GOAL = 1.2  # peak memory for the tenfold file / for the file
LINES = frozenset({"030", "040", "050", "130", "140"})


def run_import(url: str, file: Path, work: Path) -> dict[str, Any]:
    """Import ``file`` into the database at ``url``; timings per step and in total."""
    load_schema()
    engine = db.create_database_engine(url)
    db.upgrade(engine)
    runner = PipelineRunner(engine, SystemClock(), LocalBlobStore(work / "uploads"))
    runner.register(gdv_import(LINES))
    marks: list[tuple[int, float]] = []
    cpu_started = time.process_time()
    started = time.perf_counter()
    with file.open("rb") as source:
        blob = store_chunks(runner.blobs, iter(lambda: source.read(1 << 20), b""), 1 << 30)
    with UnitOfWork(engine, runner.clock) as uow:
        run = runner.submit(uow, "bench", GDV_IMPORT, blob, "bestand.gdv", "bench")
        uow.commit()
    uploaded = time.perf_counter()
    finished: Run | None = runner.run_one(
        run.run_id, progress=lambda r: marks.append((r.step_number, time.perf_counter()))
    )
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    engine.dispose()
    assert finished is not None
    steps: dict[str, float] = {}
    previous = uploaded
    for (step, at), _ in zip(marks, range(len(marks)), strict=True):
        steps[f"until_step_{step}"] = round(at - previous, 3)
        previous = at
    contracts = finished.counts.get("contracts", 0)
    return {
        "status": finished.status.value,
        "step": finished.step_number,
        "seconds": round(total, 2),
        "cpu_seconds_of_this_process": round(cpu, 2),
        "store_file_seconds": round(uploaded - started, 3),
        "seconds_per_step": steps,
        "contracts": contracts,
        "contracts_per_second": round(contracts / total) if total else None,
        "counts": finished.counts,
    }


def main() -> None:
    """Generate the file once, import it into each backend, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=float, default=30.0)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--no-parse", action="store_true", help="leave out the reader's figures")
    args = parser.parse_args()
    results: dict[str, Any] = {"benchmark": "gdv_import"}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        file = work / "bestand.gdv"
        results["file"] = generate(file, args.megabytes)
        for backend in args.backends.split(","):
            if backend == "sqlite":
                outcome = run_import(f"sqlite:///{work / 'kontor.db'}", file, work)
            elif backend == "postgres" and os.environ.get("KONTOR_TEST_POSTGRES_URL"):
                outcome = _on_postgres(os.environ["KONTOR_TEST_POSTGRES_URL"], file, work)
            else:
                outcome = {"skipped": "set KONTOR_TEST_POSTGRES_URL"}
            if "seconds" in outcome:
                outcome["goal_seconds"] = GOALS[backend]
                outcome["goal_met"] = outcome["seconds"] < GOALS[backend]
            results[backend] = outcome
        if not args.no_parse:
            results["parse"] = parse_figures(file, work / "bestand-tenfold.gdv", args.megabytes)
    print(json.dumps(results, indent=2))


def parse_figures(file: Path, tenfold: Path, megabytes: float) -> dict[str, Any]:
    """Parse ``file`` and a file ten times its size, each in a fresh process."""
    figures = _parsed(file)
    generate(tenfold, megabytes * 10)
    try:
        larger = _parsed(tenfold)
    finally:
        tenfold.unlink()
    ratio = larger["peak_rss_mb"] / figures["peak_rss_mb"]
    return {
        "records_per_s": figures["records_per_s"],
        "records_per_cpu_s": figures["records_per_cpu_s"],
        "lines_per_s": figures["lines_per_s"],
        "goal_records_per_s": PARSE_GOAL,
        "goal_met": figures["records_per_s"] >= PARSE_GOAL,
        "peak_rss_mb": figures["peak_rss_mb"],
        "tenfold_file": {"bytes": larger["bytes"], "peak_rss_mb": larger["peak_rss_mb"]},
        "memory_ratio": round(ratio, 3),
        "memory_goal_met": ratio <= MEMORY_GOAL,
    }


def _parsed(path: Path) -> dict[str, Any]:
    command = [sys.executable, gdv_parse.__file__, "--parse-only", str(path)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    figures: dict[str, Any] = json.loads(output)
    figures["bytes"] = path.stat().st_size
    return figures


def _on_postgres(base: str, file: Path, work: Path) -> dict[str, Any]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = db.create_database_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        return run_import(f"{base}{separator}options=-csearch_path%3D{schema}", file, work)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
