"""Reading and writing schedules and their runs, always within one tenant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from kontor.db import one_of
from kontor.integration.scheduler.errors import ScheduleNotFound
from kontor.integration.scheduler.messages import Misfire
from kontor.integration.scheduler.tables import schedule_runs, schedules
from kontor.integration.scheduler.timing import Timing, timing_of
from kontor.messaging import deliveries


@dataclass(frozen=True)
class ScheduleRecord:
    """A stored schedule."""

    schedule_id: str
    tenant_id: str
    name: str
    cron: str
    time_zone: str
    window: str | None
    holiday_state: str | None
    misfire: Misfire
    misfire_grace_seconds: int
    command_type: str
    command_payload: Mapping[str, Any]
    paused: bool
    next_due_at: dt.datetime | None
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def timing(self) -> Timing:
        """When the schedule fires."""
        return timing_of(self.cron, self.time_zone, self.window, self.holiday_state)


@dataclass(frozen=True)
class RunRecord:
    """One run of a schedule; ``result`` follows the command's delivery."""

    run_id: str
    schedule_id: str
    due_at: dt.datetime
    trigger: str
    outcome: str
    message_id: str | None
    fired_at: dt.datetime
    lateness_ms: int
    result: str
    """missed | pending | done | retrying | failed"""
    duration_ms: int | None
    """From the firing until the command's handler finished (done or failed)."""


class ScheduleStore:
    """The schedules of one tenant on a unit of work's connection."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def add(self, values: Mapping[str, Any]) -> None:
        """Store a new schedule (``values`` by column name, tenant set here)."""
        self._connection.execute(insert(schedules).values({**values, "tenant_id": self._tenant_id}))

    def find(self, schedule_id: str, *, lock: bool = False) -> ScheduleRecord | None:
        """The schedule, if it is the tenant's; ``lock`` holds it until the transaction ends."""
        query = select(schedules).where(
            schedules.c.tenant_id == self._tenant_id, schedules.c.schedule_id == schedule_id
        )
        row = self._connection.execute(query.with_for_update() if lock else query).first()
        return None if row is None else record_of(row)

    def get(self, schedule_id: str, *, lock: bool = False) -> ScheduleRecord:
        """The schedule, or ``ScheduleNotFound``."""
        found = self.find(schedule_id, lock=lock)
        if found is None:
            raise ScheduleNotFound(f"no schedule {schedule_id!r}", schedule_id=schedule_id)
        return found

    def named(self, name: str) -> ScheduleRecord | None:
        """The tenant's schedule called ``name``."""
        row = self._connection.execute(
            select(schedules).where(
                schedules.c.tenant_id == self._tenant_id, schedules.c.name == name
            )
        ).first()
        return None if row is None else record_of(row)

    def listed(self) -> list[ScheduleRecord]:
        """The tenant's schedules by name."""
        rows = self._connection.execute(
            select(schedules)
            .where(schedules.c.tenant_id == self._tenant_id)
            .order_by(schedules.c.name)
        )
        return [record_of(row) for row in rows]

    def change(self, schedule_id: str, **values: Any) -> None:
        """Set columns of the schedule."""
        self._connection.execute(
            update(schedules)
            .where(schedules.c.tenant_id == self._tenant_id, schedules.c.schedule_id == schedule_id)
            .values(**values)
        )

    def remove(self, schedule_id: str) -> None:
        """Delete the schedule and its runs."""
        for table in (schedule_runs, schedules):
            self._connection.execute(
                delete(table).where(
                    table.c.tenant_id == self._tenant_id, table.c.schedule_id == schedule_id
                )
            )

    def add_run(self, values: Mapping[str, Any]) -> None:
        """Record a run (``values`` by column name, tenant set here)."""
        self._connection.execute(
            insert(schedule_runs).values({**values, "tenant_id": self._tenant_id})
        )

    def runs(self, schedule_id: str, limit: int = 50) -> list[RunRecord]:
        """The schedule's latest runs first, each with its command's result."""
        rows = self._connection.execute(
            select(schedule_runs, deliveries.c.status, deliveries.c.updated_at.label("handled_at"))
            .select_from(
                schedule_runs.outerjoin(
                    deliveries, deliveries.c.message_id == schedule_runs.c.message_id
                )
            )
            .where(
                schedule_runs.c.tenant_id == self._tenant_id,
                schedule_runs.c.schedule_id == schedule_id,
            )
            .order_by(schedule_runs.c.due_at.desc(), schedule_runs.c.fired_at.desc())
            .limit(limit)
        )
        return [run_of(row) for row in rows]


RESULTS = {"done": "done", "retrying": "retrying", "dead": "failed"}


def run_of(row: Row[Any]) -> RunRecord:
    """A run from its row joined with its command's delivery."""
    if row.outcome == "missed":
        result, duration = "missed", None
    else:
        result = RESULTS.get(row.status or "", "pending")
        handled = row.handled_at
        finished = result in ("done", "failed") and handled is not None
        duration = int((handled - row.fired_at).total_seconds() * 1000) if finished else None
    return RunRecord(
        row.run_id, row.schedule_id, row.due_at, row.trigger, row.outcome, row.message_id,
        row.fired_at, row.lateness_ms, result, duration,
    )  # fmt: skip


def record_of(row: Any) -> ScheduleRecord:
    """A schedule from its row."""
    return ScheduleRecord(
        row.schedule_id, row.tenant_id, row.name, row.cron, row.time_zone, row.time_window,
        row.holiday_state, Misfire(row.misfire), row.misfire_grace_seconds, row.command_type,
        dict(row.command_payload), row.paused, row.next_due_at, row.created_by, row.created_at,
        row.updated_at,
    )  # fmt: skip


def locked_for_firing(connection: Connection, schedule_ids: Sequence[str]) -> dict[str, Row[Any]]:
    """The rows of ``schedule_ids`` (any tenant: the timers name them), locked for this firing."""
    rows = connection.execute(
        select(schedules)
        .where(one_of(connection, schedules.c.schedule_id, schedule_ids))
        .with_for_update()
    )
    return {row.schedule_id: row for row in rows}
