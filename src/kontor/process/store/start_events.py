"""Start events of deployed processes: message/signal start subscriptions and start timers.

They belong to a process definition, not to an instance, and live in the same tables as an
instance's rows with the definition id in ``instance_id``: message and signal starts in
``process_subscriptions`` (events ``message_start`` / ``signal_start``, and
``conditional_start`` named by the process key), start timers in
``process_jobs`` (kind ``start_timer``; ``retries`` counts the cycle rounds left, -1 for
unbounded). Only the latest version of a process has them: deploying a new version replaces
the rows of the older ones.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from kontor.process.store.tables import process_definitions, process_jobs, process_subscriptions

MESSAGE_START = "message_start"
SIGNAL_START = "signal_start"
CONDITIONAL_START = "conditional_start"
START_TIMER = "start_timer"
UNBOUNDED = -1
"""``rounds_left`` of a cycle without an end."""


@dataclass(frozen=True)
class StartSubscription:
    """A message or signal start event of a definition, found by the event's name."""

    definition_id: str
    element_id: str


@dataclass(frozen=True)
class StartTimer:
    """A start timer: when it is due and how many cycle rounds follow (-1: no end)."""

    element_id: str
    due_at: dt.datetime
    rounds_left: int


@dataclass(frozen=True)
class DueStartTimer:
    """A claimed start timer row."""

    job_id: str
    tenant_id: str
    definition_id: str
    element_id: str
    due_at: dt.datetime
    rounds_left: int


class StartEventStore:
    """One tenant's start subscriptions and start timers on a unit of work's connection."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def replace(
        self,
        process_key: str,
        definition_id: str,
        subscriptions: list[tuple[str, str, str]],
        timers: list[StartTimer],
        now: dt.datetime,
    ) -> None:
        """Make ``definition_id``'s (event, name, element) starts the only ones of its process."""
        versions = select(process_definitions.c.definition_id).where(
            process_definitions.c.tenant_id == self._tenant_id,
            process_definitions.c.process_key == process_key,
        )
        self._connection.execute(
            delete(process_subscriptions).where(
                process_subscriptions.c.tenant_id == self._tenant_id,
                process_subscriptions.c.event.in_([MESSAGE_START, SIGNAL_START, CONDITIONAL_START]),
                process_subscriptions.c.instance_id.in_(versions),
            )
        )
        self._connection.execute(
            delete(process_jobs).where(
                process_jobs.c.tenant_id == self._tenant_id,
                process_jobs.c.kind == START_TIMER,
                process_jobs.c.instance_id.in_(versions),
            )
        )
        owner = {"tenant_id": self._tenant_id, "instance_id": definition_id, "created_at": now}
        if subscriptions:
            self._connection.execute(
                insert(process_subscriptions),
                [
                    {
                        **owner,
                        "subscription_id": str(uuid.uuid4()),
                        "local_id": f"start-{index}",
                        "event": event,
                        "name": name,
                        "correlation_key": None,
                        "element_id": element_id,
                    }
                    for index, (event, name, element_id) in enumerate(subscriptions)
                ],
            )
        if timers:
            self._connection.execute(
                insert(process_jobs),
                [
                    {
                        **owner,
                        "job_id": str(uuid.uuid4()),
                        "local_id": f"start-{index}",
                        "kind": START_TIMER,
                        "type": None,
                        "element_id": timer.element_id,
                        "due_at": timer.due_at,
                        "retries": timer.rounds_left,
                        "idempotency_key": f"{definition_id}/start-{index}",
                    }
                    for index, timer in enumerate(timers)
                ],
            )

    def subscribers(self, event: str, name: str | None) -> list[StartSubscription]:
        """The latest definitions starting on message or signal ``name``, oldest first.

        Conditional starts are named by their process key; ``None`` finds every one.
        """
        table = process_subscriptions
        query = select(table.c.instance_id, table.c.element_id).where(
            table.c.tenant_id == self._tenant_id, table.c.event == event
        )
        if name is not None:
            query = query.where(table.c.name == name)
        rows = self._connection.execute(query.order_by(table.c.created_at, table.c.subscription_id))
        return [StartSubscription(row.instance_id, row.element_id) for row in rows]


def claim_due_start_timers(
    connection: Connection, now: dt.datetime, owner: str, lock_for: dt.timedelta, limit: int
) -> list[DueStartTimer]:
    """Lock due start timers of every tenant for ``owner`` (``SKIP LOCKED`` on PostgreSQL)."""
    table = process_jobs
    rows = connection.execute(
        select(table)
        .where(table.c.kind == START_TIMER, table.c.due_at <= now)
        .where((table.c.locked_until.is_(None)) | (table.c.locked_until <= now))
        .order_by(table.c.due_at, table.c.job_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if rows:
        connection.execute(
            update(table)
            .where(table.c.job_id.in_([row.job_id for row in rows]))
            .values(lock_owner=owner, locked_until=now + lock_for)
        )
    return [
        DueStartTimer(r.job_id, r.tenant_id, r.instance_id, r.element_id, r.due_at, r.retries)
        for r in rows
    ]


def still_claimed(connection: Connection, timer: DueStartTimer, owner: str) -> bool:
    """Whether ``owner`` still holds the timer (a redeploy may have replaced it meanwhile)."""
    found = connection.execute(
        select(process_jobs.c.job_id).where(
            process_jobs.c.job_id == timer.job_id,
            process_jobs.c.lock_owner == owner,
            process_jobs.c.due_at == timer.due_at,
        )
    ).one_or_none()
    return found is not None


def reschedule_start_timer(
    connection: Connection, job_id: str, due_at: dt.datetime | None, rounds_left: int
) -> None:
    """Set a fired start timer's next round, or remove it when ``due_at`` is None."""
    if due_at is None:
        connection.execute(delete(process_jobs).where(process_jobs.c.job_id == job_id))
        return
    connection.execute(
        update(process_jobs)
        .where(process_jobs.c.job_id == job_id)
        .values(due_at=due_at, retries=rounds_left, lock_owner=None, locked_until=None)
    )
