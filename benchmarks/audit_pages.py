"""SQLite pages written per process start with the audit log off, on, and on with a leaner table.

Each variant gets a database of its own (the claim model of ``auth.py``: a start event and a
user task); after a warm-up the write-ahead log is emptied and automatic checkpoints are
switched off, so the log's size after ``--starts`` starts counts the pages their commits wrote
(every commit writes each page it changed once). Variants besides off/on change the audit table
of their database after migrating, to show what its indexes cost:

- ``on_without_secondary_indexes``: only the primary key (entry id) is left;
- ``on_clustered``: the table rebuilt WITHOUT ROWID, keyed by (tenant, entry id), no other index.

Prints JSON. Usage: python benchmarks/audit_pages.py [--starts 300]
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from auth import MODEL, TENANT, wire
from sqlalchemy import event

from kontor.process import DeployProcess, StartProcess
from kontor.settings import Settings

WAL_HEADER, FRAME_HEADER, PAGE = 32, 24, 4096
WARM_UP = 50


def _secondary_indexes(raw: sqlite3.Connection) -> list[str]:
    rows = raw.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_entries' "
        "AND sql IS NOT NULL"
    )
    return [name for (name,) in rows]


def _drop_secondary_indexes(raw: sqlite3.Connection) -> None:
    for name in _secondary_indexes(raw):
        raw.execute(f'DROP INDEX "{name}"')


def _cluster(raw: sqlite3.Connection) -> None:
    _drop_secondary_indexes(raw)
    (ddl,) = raw.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_entries'").fetchone()
    ddl = re.sub(r",\s*PRIMARY KEY \(entry_id\)", ", PRIMARY KEY (tenant_id, entry_id)", ddl)
    raw.execute("ALTER TABLE audit_entries RENAME TO audit_entries_before")
    raw.execute(ddl.rstrip().rstrip(")") + ") WITHOUT ROWID")
    raw.execute("INSERT INTO audit_entries SELECT * FROM audit_entries_before")
    raw.execute("DROP TABLE audit_entries_before")


VARIANTS: dict[str, tuple[bool, Any]] = {
    "off": (False, None),
    "on": (True, None),
    "on_without_secondary_indexes": (True, _drop_secondary_indexes),
    "on_clustered": (True, _cluster),
}


def pages_per_start(folder: Path, name: str, audit: bool, change: Any, starts: int) -> float:
    """Pages the commits of one start write, on average, in variant ``name``."""
    path = folder / f"{name}.db"
    kontor = wire(Settings(database_url=f"sqlite:///{path}", audit_log_enabled=audit))
    kontor.bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=MODEL))
    start = StartProcess(tenant_id=TENANT, process_key="Claim", actor="bench")
    for _ in range(WARM_UP):
        kontor.bus.handle(start)
    kontor.engine.dispose()
    raw = sqlite3.connect(path)
    if change is not None:
        change(raw)
        raw.commit()
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    event.listen(
        kontor.engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA wal_autocheckpoint=0")
    )
    for _ in range(starts):
        kontor.bus.handle(start)
    wal = path.with_name(path.name + "-wal").stat().st_size  # before the last close empties it
    kontor.stop()
    kontor.engine.dispose()
    return (wal - WAL_HEADER) / (PAGE + FRAME_HEADER) / starts


def main() -> None:
    """Measure every variant and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        pages = {
            name: round(pages_per_start(Path(scratch), name, audit, change, args.starts), 2)
            for name, (audit, change) in VARIANTS.items()
        }
    print(
        json.dumps(
            {
                "benchmark": "audit_pages",
                "starts": args.starts,
                "pages_per_start": pages,
                "page_ratio_off_to": {
                    name: round(pages["off"] / value, 3) for name, value in pages.items()
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
