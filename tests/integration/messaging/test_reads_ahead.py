"""The handlers of messages delivered together read ahead in one go: every handler's reads in
one round trip on PostgreSQL, behind the writes the transaction queued before them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from kontor.bootstrap import bootstrap
from kontor.db.fast import FastStatement
from kontor.messaging import FakeClock, HandlerRegistry, UnitOfWork
from kontor.messaging import uow as uow_module
from kontor.settings import Settings
from support.backends import BACKENDS
from support.messaging import ContractFollowedUp, ContractNoted, NoteContract, state, test_metadata

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

_ADD_NOTE = FastStatement(insert(state))
_NOTES = FastStatement(select(state.c.name).order_by(state.c.id))
_SEEN = ("notes", "t1")


class Seen:
    """What the handlers found, and how the reads went to the database."""

    def __init__(self) -> None:
        self.by_handler: dict[str, list[str]] = {}
        self.read_calls: list[int] = []  # reads per call of read_together by the unit of work


def _wire(seen: Seen) -> HandlerRegistry:
    registry = HandlerRegistry()

    def note(command: NoteContract, uow: UnitOfWork) -> None:
        _ADD_NOTE.execute_later(uow.connection, [{"name": command.text}])  # queued, unsent
        uow.emit(ContractNoted(text=command.text, **command.caused()))
        uow.emit(ContractFollowedUp(text=command.text, **command.caused()))
        uow.emit(ContractFollowedUp(text=command.text.upper(), **command.caused()))

    def read_notes_ahead(events: Sequence[Any], uow: UnitOfWork) -> None:
        def keep(found: list[list[Any]]) -> None:
            uow.keep_ahead({("noted", event.message_id): found[0] for event in events})

        uow.read_ahead([(_NOTES, {})], keep)

    def noted(event: ContractNoted, uow: UnitOfWork) -> None:
        rows = uow.taken(("noted", event.message_id), lambda: [])
        seen.by_handler["noted"] = [row.name for row in rows]

    def remember_notes_ahead(_events: Sequence[Any], uow: UnitOfWork) -> None:
        uow.remember_ahead(_SEEN, (_NOTES, {}), lambda rows: [row.name for row in rows])

    def followed(event: ContractFollowedUp, uow: UnitOfWork) -> None:
        names = uow.remembered(_SEEN, lambda: ["read by the handler, not ahead"])
        seen.by_handler.setdefault("followed", []).extend(names)

    registry.register_command(NoteContract, note)
    registry.subscribe(ContractNoted, noted, "test.noted", read_ahead=read_notes_ahead)
    registry.subscribe(
        ContractFollowedUp, followed, "test.followed", read_ahead=remember_notes_ahead
    )
    return registry


def test_every_handlers_reads_go_together_and_see_the_transactions_own_writes(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = Seen()
    reading = uow_module.read_together

    def counted(connection: Any, *reads: Any) -> list[list[Any]]:
        seen.read_calls.append(len(reads))
        return reading(connection, *reads)

    monkeypatch.setattr(uow_module, "read_together", counted)
    kontor = bootstrap(
        Settings(database_url=database_url), engine=engine, clock=FakeClock(), registry=_wire(seen)
    )
    test_metadata.create_all(engine)
    try:
        kontor.bus.handle(NoteContract(tenant_id="t1", text="Umdeckung 4711"))
    finally:
        kontor.stop()
    # one call for both handlers: the notes of one, the remembered notes of the other (read
    # once for its two messages)
    assert seen.read_calls == [2]
    assert seen.by_handler == {
        "noted": ["Umdeckung 4711"],  # the row the command queued just before
        "followed": ["Umdeckung 4711", "Umdeckung 4711"],  # each message, the one read
    }
