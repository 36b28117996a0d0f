"""Child process for the crash tests; killed with SIGKILL by the parent at awkward moments.

Usage: crash_child.py MODE DATABASE_URL [BROKER_URL EXCHANGE QUEUE]
  commit-then-die  commit one state change with 50 events, then SIGKILL itself before dispatch
  produce N        handle NoteContract commands until N states exist (resumes after a kill),
                   printing ``noted`` after each one and ``done`` at the end
  consume          run as a RabbitMQ worker until killed
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, insert, select

from kontor.messaging import FakeClock
from kontor.settings import Settings
from support.messaging import ContractNoted, Harness, NoteContract, state


def main() -> None:
    mode, url = sys.argv[1], sys.argv[2]
    broker = {}
    if len(sys.argv) > 4 and mode == "consume":
        broker = {
            "broker_url": sys.argv[3],
            "broker_exchange": sys.argv[4],
            "broker_queue": sys.argv[5],
        }
    harness = Harness(
        Settings(database_url=url, dispatcher_poll_seconds=0.05, **broker), FakeClock()
    )
    kontor = harness.kontor
    if mode == "commit-then-die":
        # Delivered after the commit (as when delivery within the transaction failed): the
        # process dies between the two.
        kontor.transport.within_transaction = lambda: None  # type: ignore[method-assign]
        kontor.transport.committed = lambda _messages: os.kill(os.getpid(), signal.SIGKILL)  # type: ignore[method-assign]
        with kontor.bus.unit_of_work() as uow:
            uow.connection.execute(insert(state).values(name="batch"))
            uow.emit(*(ContractNoted(tenant_id="t1", text=f"n{i}") for i in range(50)))
            uow.commit()
        raise SystemExit("not killed")
    if mode == "produce":
        target = int(sys.argv[3])
        while True:
            with kontor.engine.connect() as connection:
                done = connection.execute(select(func.count()).select_from(state)).scalar_one()
            if done >= target:
                break
            kontor.bus.handle(NoteContract(tenant_id="t1", text=f"c{done}"))
            print("noted", flush=True)  # the parent kills after a random number of these
        print("done", flush=True)
        return
    if mode == "consume":
        kontor.start(consume=True, pump=False)
        print("consuming", flush=True)
        threading.Event().wait()
    raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
