"""SQLite pages written per process start with the audit log off and on, and by its sealing.

Each variant gets a database of its own (the claim model of ``auth.py``: a start event and a
user task). Automatic checkpoints are switched off and the write-ahead log is emptied before
each round, so the log's size after ``--starts`` starts counts the pages their commits wrote
(every commit writes each page it changed once). With the audit log on, each round ends by
sealing its entries (moving them from the table of unsealed entries into the indexed chain), as
the background loop does every minute; the pages that sealing writes are counted apart.

Prints JSON. Usage: python benchmarks/audit_pages.py [--starts 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
from pathlib import Path

from auth import MODEL, TENANT, wire
from sqlalchemy import event

from kontor.bootstrap import Kontor
from kontor.process import DeployProcess, StartProcess
from kontor.settings import Settings

WAL_HEADER, FRAME_HEADER, PAGE = 32, 24, 4096
WARM_UP = 50


def pages_per_start(folder: Path, audit: bool, starts: int, rounds: int) -> dict[str, float]:
    """Pages the commits of one start write, on average, and (audit log on) its sealing."""
    path = folder / f"{'on' if audit else 'off'}.db"
    kontor = wire(Settings(database_url=f"sqlite:///{path}", audit_log_enabled=audit))
    kontor.bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=MODEL))
    start = StartProcess(tenant_id=TENANT, process_key="Claim", actor="bench")
    for _ in range(WARM_UP):
        kontor.bus.handle(start)
    event.listen(
        kontor.engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA wal_autocheckpoint=0")
    )
    written = {"starts": 0.0, "sealing": 0.0}
    for _ in range(rounds):  # the unsealed entries' table fills and empties as in production
        _seal(kontor)
        kontor.engine.dispose()
        raw = sqlite3.connect(path)
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.close()
        for _ in range(starts):
            kontor.bus.handle(start)
        before_sealing = _wal_pages(path)  # read while open: the last close empties the log
        _seal(kontor)
        written["starts"] += before_sealing
        written["sealing"] += _wal_pages(path) - before_sealing
    kontor.stop()
    kontor.engine.dispose()
    return {name: round(pages / (starts * rounds), 2) for name, pages in written.items()}


def _seal(kontor: Kontor) -> None:
    if kontor.audit is not None:
        now = kontor.clock.now()
        kontor.audit.seal(kontor.engine, now, now)


def _wal_pages(path: Path) -> float:
    return (path.with_name(path.name + "-wal").stat().st_size - WAL_HEADER) / (PAGE + FRAME_HEADER)


def main() -> None:
    """Measure both variants and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        off, on = (
            pages_per_start(Path(scratch), audit, args.starts, args.rounds)
            for audit in (False, True)
        )
    sealed = on["starts"] + on["sealing"]
    print(
        json.dumps(
            {
                "benchmark": "audit_pages",
                "starts_per_round": args.starts,
                "rounds": args.rounds,
                "pages_per_start": {"audit_off": off["starts"], "audit_on": on["starts"]},
                "sealing_pages_per_entry": on["sealing"],
                "page_ratio": round(off["starts"] / on["starts"], 3),
                "page_ratio_with_sealing": round(off["starts"] / sealed, 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
