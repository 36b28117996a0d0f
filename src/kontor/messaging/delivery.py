"""Delivery of outbox messages to handlers: exactly one effect per message and handler.

Each handler runs in a savepoint of a batch transaction together with its inbox row, so its
effect and the record that it ran commit (or vanish) together. Failures are recorded with their
error and retried with exponential backoff until they end in the dead-letter state.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from opentelemetry.trace import SpanKind
from sqlalchemy import Engine, and_, func, select, update

from kontor.db import reading
from kontor.db.fast import checks_later
from kontor.messaging.bus import (
    HandlerRegistry,
    Subscription,
    Transport,
    delivering_unit_of_work,
)
from kontor.messaging.changes import ChangeLog
from kontor.messaging.clock import Clock
from kontor.messaging.context import correlation
from kontor.messaging.ledger import DEAD, DONE, RETRYING, Ledger
from kontor.messaging.messages import ENVELOPE_FIELDS, Message, MessageError, restore_message
from kontor.messaging.tables import deliveries, outbox
from kontor.messaging.tracing import span, tracing_is_on
from kontor.messaging.uow import UnitOfWork

log = logging.getLogger(__name__)

_ERROR_LIMIT = 4000


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how far apart failed deliveries are retried."""

    max_attempts: int = 5
    base_seconds: float = 1.0
    max_seconds: float = 600.0

    def delay(self, attempts: int) -> dt.timedelta:
        """The wait before the next attempt after ``attempts`` failed ones."""
        seconds = min(self.base_seconds * 2 ** max(attempts - 1, 0), self.max_seconds)
        return dt.timedelta(seconds=seconds)


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery run did."""

    handled: int = 0
    skipped: int = 0
    failed: int = 0
    dead: int = 0


@dataclass(frozen=True)
class DeadLetter:
    """A message a handler gave up on, with the last error."""

    message_id: str
    handler: str
    type_name: str
    tenant_id: str
    attempts: int
    last_error: str | None
    updated_at: dt.datetime


class Dispatcher:
    """Delivers messages to their handlers and keeps the delivery ledger (the inbox)."""

    def __init__(
        self,
        engine: Engine,
        registry: HandlerRegistry,
        clock: Clock,
        policy: RetryPolicy,
        transport: Transport,
        change_log: ChangeLog | None = None,
    ) -> None:
        self._engine = engine
        self._change_log = change_log
        self._registry = registry
        self._clock = clock
        self._policy = policy
        self._transport = transport
        self._ledger = Ledger(engine)

    def deliver(self, messages: Sequence[Message]) -> DeliveryReport:
        """Deliver messages to every subscribed handler and mark them dispatched."""
        targets = [(m, s) for m in messages for s in self._registry.deliveries_for(m)]
        return self._run(targets, dispatched=[m.message_id for m in messages])

    def deliver_within(self, messages: Sequence[Message], uow: UnitOfWork) -> None:
        """Run the handlers of messages inside ``uow``, the transaction that emitted them, with
        their inbox rows; a failure fails the caller's savepoint (``UnitOfWork.commit``)."""
        targets = [(m, s) for m in messages for s in self._registry.deliveries_for(m)]
        if targets:
            self._handle_together(targets, uow, self._clock.now())

    def _handle_together(
        self, targets: Sequence[tuple[Message, Subscription]], uow: UnitOfWork, now: dt.datetime
    ) -> None:
        """Run the handlers in ``uow`` (read ahead, saves checked late) and record their
        inbox rows; any failure fails all of it."""
        _read_ahead(targets, uow)
        with checks_later(uow.connection):
            for message, subscription in targets:
                with correlation(message.correlation_id), handling(message, subscription):
                    subscription.handler(message, uow)
        self._ledger.record_done(uow.connection, _done_rows(targets, now))

    def run_due_retries(self, limit: int = 200) -> DeliveryReport:
        """Retry the failed deliveries whose backoff has passed."""
        now = self._clock.now()
        query = (
            select(deliveries.c.handler, *_outbox_message_columns())
            .join(outbox, outbox.c.message_id == deliveries.c.message_id)
            .where(deliveries.c.status == RETRYING, deliveries.c.next_attempt_at <= now)
            .order_by(deliveries.c.next_attempt_at)
            .limit(limit)
        )
        with reading(self._engine) as connection:
            rows = connection.execute(query).all()
        targets: list[tuple[Message, Subscription]] = []
        for row in rows:
            message = _restore(row)
            subscription = self._registry.subscription(row.type_name, row.handler)
            if message is None or subscription is None:
                self._bury(row.message_id, row.handler, "handler or message type no longer exists")
                continue
            targets.append((message, subscription))
        return self._run(targets, dispatched=[])

    def resend_since(self, since: dt.datetime) -> int:
        """Send every message committed at or after ``since`` again; how many.

        After a database is restored from a backup, messages the broker or the handlers took
        after the backup began are missing from it; sending them again is safe because each
        handler's delivery ledger skips the ones it already ran.
        """
        with UnitOfWork(self._engine, self._clock) as uow:
            resent = uow.connection.execute(
                update(outbox)
                .where(outbox.c.occurred_at >= since)
                .values(dispatched_at=None, published_at=None)
            ).rowcount
            uow.commit()
        return resent

    def replay_undispatched(self, before: dt.datetime | None = None, batch: int = 500) -> int:
        """Deliver outbox messages that were committed but never dispatched (crash recovery)."""
        replayed = 0
        after = -1
        while True:
            query = select(outbox.c.position, *_outbox_message_columns()).where(
                outbox.c.dispatched_at.is_(None), outbox.c.position > after
            )
            if before is not None:
                query = query.where(outbox.c.occurred_at < before)
            with reading(self._engine) as connection:
                rows = connection.execute(query.order_by(outbox.c.position).limit(batch)).all()
            if not rows:
                return replayed
            after = rows[-1].position
            messages = [m for m in map(_restore, rows) if m is not None]
            self._run(
                [(m, s) for m in messages for s in self._registry.deliveries_for(m)],
                dispatched=[row.message_id for row in rows],
            )
            replayed += len(rows)

    def retry_dead(
        self, message_id: str, handler: str | None = None, tenant_id: str | None = None
    ) -> int:
        """Give dead deliveries of a message a fresh set of attempts, due now."""
        condition = and_(deliveries.c.message_id == message_id, deliveries.c.status == DEAD)
        if handler is not None:
            condition = and_(condition, deliveries.c.handler == handler)
        if tenant_id is not None:
            condition = and_(condition, deliveries.c.tenant_id == tenant_id)
        with UnitOfWork(self._engine, self._clock) as uow:
            rescheduled = uow.connection.execute(
                update(deliveries)
                .where(condition)
                .values(
                    status=RETRYING,
                    attempts=0,
                    next_attempt_at=self._clock.now(),
                    updated_at=self._clock.now(),
                )
                .returning(deliveries.c.handler)
            ).all()
            uow.commit()
        return len(rescheduled)

    def dead_letters(self, tenant_id: str | None = None, limit: int = 100) -> list[DeadLetter]:
        """Deliveries in the dead-letter state, newest first."""
        query = (
            select(deliveries, outbox.c.type_name)
            .join(outbox, outbox.c.message_id == deliveries.c.message_id)
            .where(deliveries.c.status == DEAD)
            .order_by(deliveries.c.updated_at.desc())
            .limit(limit)
        )
        if tenant_id is not None:
            query = query.where(deliveries.c.tenant_id == tenant_id)
        with reading(self._engine) as connection:
            return [
                DeadLetter(
                    r.message_id,
                    r.handler,
                    r.type_name,
                    r.tenant_id,
                    r.attempts,
                    r.last_error,
                    r.updated_at,
                )
                for r in connection.execute(query)
            ]

    def backlog(self) -> dict[str, int]:
        """Counts of undispatched outbox rows and of retrying and dead deliveries."""
        with reading(self._engine) as connection:
            undispatched = connection.execute(
                select(func.count()).select_from(outbox).where(outbox.c.dispatched_at.is_(None))
            ).scalar_one()
            rows = connection.execute(
                select(deliveries.c.status, func.count())
                .where(deliveries.c.status != DONE)
                .group_by(deliveries.c.status)
            )
            by_status: dict[str, int] = {status: count for status, count in rows}  # noqa: C416
        return {
            "undispatched": undispatched,
            RETRYING: by_status.get(RETRYING, 0),
            DEAD: by_status.get(DEAD, 0),
        }

    def _handlers_unit_of_work(self) -> UnitOfWork:
        # Commands handled here are recorded like those the bus handles.
        return delivering_unit_of_work(self._engine, self._clock, self._transport, self._change_log)

    def _run(
        self, targets: Sequence[tuple[Message, Subscription]], dispatched: Sequence[str]
    ) -> DeliveryReport:
        if not targets and not dispatched:
            return DeliveryReport()
        try:
            return self._run_fast(targets, dispatched)
        except Exception:  # a handler failed or a delivery existed: redo one by one
            return self._run_careful(targets, dispatched)

    def _run_fast(
        self, targets: Sequence[tuple[Message, Subscription]], dispatched: Sequence[str]
    ) -> DeliveryReport:
        """Run the whole batch in one transaction; any failure undoes all of it.

        The ledger's primary key still guarantees one effect: a delivery that already
        happened makes the bulk insert fail, and the careful path takes over. So does a write
        checked late (``checks_later``: the saves of the batch's steps go with its other
        writes, not in a round trip each) that found its row changed meanwhile.
        """
        now = self._clock.now()
        with self._handlers_unit_of_work() as uow:
            if targets:
                self._handle_together(targets, uow, now)
            if dispatched:
                self._ledger.mark_dispatched(uow.connection, dispatched, now)
            uow.commit()
        return DeliveryReport(handled=len(targets))

    def _run_careful(
        self, targets: Sequence[tuple[Message, Subscription]], dispatched: Sequence[str]
    ) -> DeliveryReport:
        """Run each handler in a savepoint with its claim; record failures one by one."""
        handled = skipped = failed = dead = 0
        failures: list[tuple[Message, Subscription, BaseException]] = []
        now = self._clock.now()
        with self._handlers_unit_of_work() as uow:
            for message, subscription in targets:
                try:
                    with correlation(message.correlation_id), uow.savepoint():
                        claimed = self._ledger.claim(
                            uow.connection,
                            message.message_id,
                            subscription.name,
                            message.tenant_id,
                            now,
                        )
                        if not claimed:
                            skipped += 1
                            continue
                        with handling(message, subscription):
                            subscription.handler(message, uow)
                    handled += 1
                except Exception as error:
                    failures.append((message, subscription, error))
            for message, subscription, failure in failures:
                if self._record_failure(uow, message, subscription, failure):
                    dead += 1
                else:
                    failed += 1
            if dispatched:
                self._ledger.mark_dispatched(uow.connection, dispatched, now)
            uow.commit()
        return DeliveryReport(handled, skipped, failed, dead)

    def _record_failure(
        self, uow: UnitOfWork, message: Message, subscription: Subscription, error: BaseException
    ) -> bool:
        """Store the failure; return True when the delivery is now dead."""
        attempts = self._ledger.attempts(uow.connection, message.message_id, subscription.name)
        attempts += 1
        is_dead = attempts >= self._policy.max_attempts
        now = self._clock.now()
        self._ledger.record_failure(
            uow.connection,
            {
                "message_id": message.message_id,
                "handler": subscription.name,
                "tenant_id": message.tenant_id,
                "status": DEAD if is_dead else RETRYING,
                "attempts": attempts,
                "last_error": _describe(error),
                "next_attempt_at": None if is_dead else now + self._policy.delay(attempts),
                "updated_at": now,
            },
        )
        log.warning(
            "handler %s failed on %s %s (attempt %d%s): %s",
            subscription.name,
            message.type_name,
            message.message_id,
            attempts,
            ", dead-lettered" if is_dead else "",
            type(error).__name__,
        )
        return is_dead

    def _bury(self, message_id: str, handler: str, reason: str) -> None:
        with UnitOfWork(self._engine, self._clock) as uow:
            uow.connection.execute(
                update(deliveries)
                .where(deliveries.c.message_id == message_id, deliveries.c.handler == handler)
                .values(
                    status=DEAD,
                    last_error=reason,
                    next_attempt_at=None,
                    updated_at=self._clock.now(),
                )
            )
            uow.commit()


def _done_rows(
    targets: Sequence[tuple[Message, Subscription]], now: dt.datetime
) -> list[dict[str, object]]:
    return [
        {
            "message_id": m.message_id,
            "handler": s.name,
            "tenant_id": m.tenant_id,
            "status": DONE,
            "attempts": 1,
            "updated_at": now,
        }
        for m, s in targets
    ]


def _read_ahead(targets: Sequence[tuple[Message, Subscription]], uow: UnitOfWork) -> None:
    """Let each handler with a read-ahead fetch what its messages of the batch need, all
    handlers' reads together (``UnitOfWork.read_ahead``)."""
    batches: dict[Subscription, list[Message]] = {}
    for message, subscription in targets:
        if subscription.read_ahead is not None:
            batches.setdefault(subscription, []).append(message)
    for subscription, messages in batches.items():
        if subscription.read_ahead is not None:
            subscription.read_ahead(messages, uow)
    uow.run_reads_ahead()


def handling(message: Message, subscription: Subscription) -> AbstractContextManager[None]:
    """A span for one handler running one message, continuing the trace that emitted it."""
    if not tracing_is_on():
        return nullcontext()  # a handler runs per message: no attributes built for nothing
    return span(
        f"handle {message.type_name}",
        parent=message.trace_parent,
        follows=True,
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.message.id": message.message_id,
            "kontor.handler": subscription.name,
            "kontor.tenant_id": message.tenant_id,
        },
    )


def _outbox_message_columns() -> list[object]:
    return [outbox.c.type_name, outbox.c.payload, *(outbox.c[name] for name in ENVELOPE_FIELDS)]


def _restore(row: object) -> Message | None:
    type_name: str = row.type_name  # type: ignore[attr-defined]
    envelope = {name: getattr(row, name) for name in ENVELOPE_FIELDS}
    try:
        return restore_message(type_name, envelope, row.payload)  # type: ignore[attr-defined]
    except MessageError:
        log.warning(
            "outbox message %s has unknown type %r; nobody can handle it",
            envelope["message_id"],
            type_name,
        )
        return None


def _describe(error: BaseException) -> str:
    lines = traceback.format_exception(error, limit=-3)
    return "".join(lines)[-_ERROR_LIMIT:]
