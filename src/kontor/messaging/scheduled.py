"""Durable timers: "deliver this command or event at time T", one facility for every component.

A message is scheduled on the caller's unit of work, in the same transaction as the state change
that wants it; a key (``task:ID:completion``) lets the caller cancel or replace it. When it is
due, any worker claims it (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has one writer at a
time) and moves it into the outbox in one transaction: the bus delivers it like any other
message. Rows survive restarts; a worker that dies after its claim leaves the row to the next
worker once the claim expires.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, and_, bindparam, delete, insert, or_, select, update

from kontor.db.fast import FastStatement
from kontor.db.lists import one_of
from kontor.messaging.messages import Message, restore_message
from kontor.messaging.tables import scheduled_messages
from kontor.messaging.uow import UnitOfWork

if TYPE_CHECKING:
    from kontor.messaging.bus import MessageBus

log = logging.getLogger(__name__)
_INSERT_SCHEDULED = FastStatement(insert(scheduled_messages))  # many at once: a burst's timers
_CANCEL = FastStatement(  # every finished task cancels its timers
    delete(scheduled_messages).where(
        scheduled_messages.c.tenant_id == bindparam("b_tenant"),
        scheduled_messages.c.schedule_key == bindparam("b_key"),
    )
)

MAX_ATTEMPTS = 10
"""After this many claims without delivery (a message that no longer decodes) a row is left
alone for an operator to look at."""


@dataclass(frozen=True)
class ScheduledMessage:
    """A message waiting for its due time."""

    schedule_id: str
    tenant_id: str
    key: str | None
    type_name: str
    due_at: dt.datetime
    attempt: int
    claimed_by: str | None


class Schedule:
    """Schedules and cancels messages on a unit of work's connection."""

    def __init__(self, connection: Connection, now: dt.datetime) -> None:
        self._connection = connection
        self._now = now

    @classmethod
    def of(cls, uow: UnitOfWork) -> Schedule:
        """The schedule on ``uow``'s transaction."""
        return cls(uow.connection, uow.clock.now())

    def at(self, due_at: dt.datetime, message: Message, key: str | None = None) -> str:
        """Deliver ``message`` through the bus at ``due_at``; a ``key`` replaces its earlier one."""
        if due_at.tzinfo is None:
            raise ValueError("a due time needs a time zone")
        if key is not None:
            self.drop(message.tenant_id, key)
        row = self._row(due_at, message, key)
        _INSERT_SCHEDULED.execute_later(self._connection, [row])
        return str(row["schedule_id"])

    def at_many(self, timers: Sequence[tuple[dt.datetime, Message, str]]) -> None:
        """Schedule many (due time, message, key) at once, each replacing its key's earlier one."""
        if not timers:
            return
        if any(due_at.tzinfo is None for due_at, _, _ in timers):
            raise ValueError("a due time needs a time zone")
        keys_by_tenant: dict[str, list[str]] = {}
        for _, message, key in timers:
            keys_by_tenant.setdefault(message.tenant_id, []).append(key)
        # one DELETE per tenant with a list of keys (one index scan), where a list of (tenant,
        # key) pairs makes PostgreSQL plan one branch per pair
        for tenant_id, keys in keys_by_tenant.items():
            self._connection.execute(
                delete(scheduled_messages).where(
                    scheduled_messages.c.tenant_id == tenant_id,
                    one_of(self._connection, scheduled_messages.c.schedule_key, keys),
                )
            )
        _INSERT_SCHEDULED.execute_many(
            self._connection, [self._row(due_at, message, key) for due_at, message, key in timers]
        )

    def _row(self, due_at: dt.datetime, message: Message, key: str | None) -> dict[str, Any]:
        """The row that keeps ``message`` until ``due_at`` under ``key``."""
        return {
            "schedule_id": str(uuid.uuid4()), "tenant_id": message.tenant_id,
            "schedule_key": key, "message_id": message.message_id,
            "type_name": message.type_name, "correlation_id": message.correlation_id,
            "causation_id": message.causation_id, "payload": message.payload(),
            "due_at": due_at, "attempt": 0, "created_at": self._now,
        }  # fmt: skip

    def cancel(self, tenant_id: str, key: str) -> bool:
        """Drop the message scheduled under ``key``; whether there was one not yet delivered."""
        return bool(_CANCEL.execute(self._connection, {"b_tenant": tenant_id, "b_key": key}))

    def drop(self, tenant_id: str, key: str) -> None:
        """Drop the message scheduled under ``key``, if any (on PostgreSQL with the
        transaction's next statement: no round trip of its own)."""
        _CANCEL.execute_later(self._connection, [{"b_tenant": tenant_id, "b_key": key}])

    def cancel_many(self, tenant_id: str, keys: list[str]) -> int:
        """Drop the messages scheduled under ``keys``; how many were still waiting."""
        if not keys:
            return 0
        result = self._connection.execute(
            delete(scheduled_messages).where(
                scheduled_messages.c.tenant_id == tenant_id,
                scheduled_messages.c.schedule_key.in_(keys),
            )
        )
        return int(result.rowcount)

    def find(self, tenant_id: str, key: str) -> ScheduledMessage | None:
        """The message scheduled under ``key``, if it is still waiting."""
        row = self._connection.execute(
            select(scheduled_messages).where(
                scheduled_messages.c.tenant_id == tenant_id,
                scheduled_messages.c.schedule_key == key,
            )
        ).first()
        return None if row is None else _scheduled(row)

    def pending(self, tenant_id: str) -> list[ScheduledMessage]:
        """The tenant's waiting messages, the earliest due first."""
        rows = self._connection.execute(
            select(scheduled_messages)
            .where(scheduled_messages.c.tenant_id == tenant_id)
            .order_by(scheduled_messages.c.due_at, scheduled_messages.c.schedule_id)
        )
        return [_scheduled(row) for row in rows]

    def next_due_at(self) -> dt.datetime | None:
        """When the earliest waiting message is due (for a fake clock to skip to)."""
        return self._connection.execute(
            select(scheduled_messages.c.due_at).order_by(scheduled_messages.c.due_at).limit(1)
        ).scalar_one_or_none()


@dataclass(frozen=True)
class _Claimed:
    schedule_id: str
    tenant_id: str
    message_id: str
    type_name: str
    correlation_id: str
    causation_id: str | None
    payload: dict[str, Any]
    attempt: int


Expander = Callable[[UnitOfWork, Sequence[Message]], Sequence[Message]]
"""Turns due messages of one type into the messages to deliver, in the delivering transaction."""


@dataclass
class ScheduledDelivery:
    """Fires due scheduled messages into the outbox; call ``fire_due`` from a loop or a test.

    An ``expanders`` entry takes a type's due messages instead of the outbox and returns what
    to deliver in their place, in the same transaction (the scheduler turns due timers into
    many schedules' commands at once, rather than one transaction per timer).
    """

    bus: MessageBus
    owner: str = field(default_factory=lambda: f"timers-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    claim_for: dt.timedelta = dt.timedelta(minutes=2)
    batch: int = 50
    expanders: dict[str, Expander] = field(default_factory=dict)

    def fire_due(self) -> int:
        """Move one batch of due messages into the outbox in one transaction; how many.

        When the batch fails together (a message that no longer decodes, say), its rows are
        claimed and delivered one by one, so that one bad row holds up no other; a row that
        keeps failing is left alone after ``MAX_ATTEMPTS`` claims.
        """
        try:
            return self._fire_together()
        except Exception:
            log.warning("firing a batch of scheduled messages together failed; one by one")
        return sum(1 for one in self._claim() if self._deliver(one))

    def fire_until_idle(self, max_batches: int = 100) -> int:
        """Fire batches until nothing is due; how many messages were delivered.

        The fired messages are handled together once every due batch is in the outbox, so a
        burst of due timers is not held up by the work its first messages start.
        """
        total = 0
        with self.bus.batch_delivery():
            for _ in range(max_batches):
                fired = self.fire_due()
                total += fired
                if fired == 0:
                    break
        return total

    def next_due_at(self) -> dt.datetime | None:
        """When the earliest waiting message is due."""
        with self.bus.reading() as uow:
            return Schedule(uow.connection, uow.clock.now()).next_due_at()

    def _due(self, now: dt.datetime) -> Select[Any]:
        """The next batch of due rows nobody holds, locked for this transaction."""
        table = scheduled_messages
        return (
            select(table)
            .where(
                and_(
                    table.c.due_at <= now,
                    table.c.attempt < MAX_ATTEMPTS,
                    or_(table.c.claimed_until.is_(None), table.c.claimed_until <= now),
                )
            )
            .order_by(table.c.due_at, table.c.schedule_id)
            .limit(self.batch)
            .with_for_update(skip_locked=True)
        )

    def _fire_together(self) -> int:
        """Take a batch of due rows out and their messages into the outbox, in one transaction."""
        table = scheduled_messages
        with self.bus.unit_of_work() as uow:
            now = uow.clock.now()
            rows = uow.connection.execute(self._due(now)).all()
            if not rows:
                return 0
            gone = set(
                uow.connection.execute(
                    delete(table)
                    .where(
                        one_of(uow.connection, table.c.schedule_id, [r.schedule_id for r in rows])
                    )
                    .returning(table.c.schedule_id)
                ).scalars()
            )  # on SQLite another process may have taken some first: only those we removed
            due = [_message(_claimed(row), now) for row in rows if row.schedule_id in gone]
            uow.emit(*self._expanded(uow, due))
            uow.commit()
        return len(due)

    def _claim(self) -> list[_Claimed]:
        table = scheduled_messages
        with self.bus.unit_of_work() as uow:
            now = uow.clock.now()
            rows = uow.connection.execute(self._due(now)).all()
            if not rows:
                return []
            uow.connection.execute(
                update(table)
                .where(table.c.schedule_id.in_([row.schedule_id for row in rows]))
                .values(
                    claimed_by=self.owner,
                    claimed_until=now + self.claim_for,
                    attempt=table.c.attempt + 1,
                )
            )
            uow.commit()
        return [replace(_claimed(row), attempt=row.attempt + 1) for row in rows]

    def _expanded(self, uow: UnitOfWork, due: list[Message]) -> list[Message]:
        """``due`` with the messages of types that have an expander replaced by its output."""
        kept = [message for message in due if message.type_name not in self.expanders]
        for type_name, expand in self.expanders.items():
            mine = [message for message in due if message.type_name == type_name]
            if mine:
                kept.extend(expand(uow, mine))
        return kept

    def _deliver(self, claimed: _Claimed) -> bool:
        """Move one claimed row into the outbox, unless it was cancelled or claimed anew."""
        table = scheduled_messages
        try:
            with self.bus.unit_of_work() as uow:
                gone = uow.connection.execute(
                    delete(table).where(
                        table.c.schedule_id == claimed.schedule_id,
                        table.c.claimed_by == self.owner,
                    )
                )
                if gone.rowcount != 1:
                    return False  # cancelled meanwhile, or our claim expired and another took it
                uow.emit(*self._expanded(uow, [_message(claimed, uow.clock.now())]))
                uow.commit()
            return True
        except Exception:  # a row that cannot be delivered must not stop the others
            log.exception(
                "scheduled %s %s (attempt %d) not delivered; tried again after its claim ends",
                claimed.type_name, claimed.schedule_id, claimed.attempt,
            )  # fmt: skip
            return False


def _claimed(row: Any) -> _Claimed:
    return _Claimed(
        row.schedule_id, row.tenant_id, row.message_id, row.type_name, row.correlation_id,
        row.causation_id, row.payload, row.attempt,
    )  # fmt: skip


def _message(claimed: _Claimed, now: dt.datetime) -> Message:
    envelope = {
        "message_id": claimed.message_id, "tenant_id": claimed.tenant_id,
        "correlation_id": claimed.correlation_id, "causation_id": claimed.causation_id,
        "occurred_at": now,
    }  # fmt: skip
    return restore_message(claimed.type_name, envelope, claimed.payload)


def _scheduled(row: Any) -> ScheduledMessage:
    return ScheduledMessage(
        row.schedule_id, row.tenant_id, row.schedule_key, row.type_name, row.due_at,
        row.attempt, row.claimed_by,
    )  # fmt: skip
