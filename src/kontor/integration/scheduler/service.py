"""Command handlers of the scheduler and the firing of due schedules.

A schedule keeps one durable timer (``FireSchedule`` under the key ``schedule:<id>``) in
messaging's scheduled messages, the one timer facility of Kontor. When it is due, a worker claims
it there; the scheduler turns the claimed timers into the schedules' commands in the same
transaction (``fire``): each firing is one unique run row, its command goes to the outbox, and
the next timer is set — all or nothing, so no firing is lost or sent twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, insert, text, update
from sqlalchemy.exc import IntegrityError

from kontor.db.fast import FastStatement
from kontor.integration.scheduler.commands import SchedulableCommands
from kontor.integration.scheduler.errors import ScheduleNameTaken
from kontor.integration.scheduler.messages import (
    CreateSchedule,
    DeleteSchedule,
    FireSchedule,
    Misfire,
    PauseSchedule,
    ResumeSchedule,
    RunScheduleNow,
)
from kontor.integration.scheduler.store import (
    ScheduleRecord,
    ScheduleStore,
    locked_for_firing,
    record_of,
)
from kontor.integration.scheduler.tables import schedule_runs, schedules
from kontor.integration.scheduler.timing import Timing, Window
from kontor.messaging import Change, HandlerRegistry, Message, Schedule, UnitOfWork

ENTITY = "schedule"
_INSERT_RUNS = FastStatement(insert(schedule_runs))  # a batch's runs in one statement
_SET_NEXT_DUE_ONE = (
    update(schedules)
    .where(schedules.c.schedule_id == bindparam("id"))
    .values(next_due_at=bindparam("next"))
)
_SET_NEXT_DUE = text(
    f"UPDATE {schedules.name} SET next_due_at = batch.next"
    " FROM unnest(CAST(:ids AS VARCHAR[]), CAST(:next AS TIMESTAMPTZ[])) AS batch(id, next)"
    f" WHERE {schedules.name}.schedule_id = batch.id"
)


def timer_key(schedule_id: str) -> str:
    """The key of a schedule's one pending timer."""
    return f"schedule:{schedule_id}"


class Scheduler:
    """Handles the scheduler's commands; ``fire`` turns due timers into commands."""

    def __init__(self, commands: SchedulableCommands) -> None:
        self.commands = commands

    def register(self, registry: HandlerRegistry) -> None:
        """Register the handlers on ``registry``."""
        registry.register_command(CreateSchedule, self.create)
        registry.register_command(PauseSchedule, self.pause)
        registry.register_command(ResumeSchedule, self.resume)
        registry.register_command(RunScheduleNow, self.run_now)
        registry.register_command(DeleteSchedule, self.delete)
        registry.register_command(FireSchedule, self._fire_one)
        registry.describe_changes(CreateSchedule, _created)

    def create(self, command: CreateSchedule, uow: UnitOfWork) -> ScheduleRecord:
        """Store the schedule and set its first timer."""
        window = Window.parse(command.window) if command.window else None
        timing = Timing(command.cron, command.time_zone, window, command.holiday_state)
        self.commands.build(
            command.command_type, command.command_payload, command.tenant_id, command.actor
        )
        store = ScheduleStore(uow.connection, command.tenant_id)
        now = uow.clock.now()
        due = timing.next_after(now)
        values = {
            "schedule_id": command.schedule_id, "name": command.name, "cron": command.cron,
            "time_zone": command.time_zone, "time_window": command.window,
            "holiday_state": command.holiday_state, "misfire": command.misfire.value,
            "misfire_grace_seconds": command.misfire_grace_seconds,
            "command_type": command.command_type, "command_payload": command.command_payload,
            "paused": False, "next_due_at": due, "created_by": command.actor,
            "created_at": now, "updated_at": now,
        }  # fmt: skip
        try:
            with uow.savepoint():
                store.add(values)
        except IntegrityError:  # the name is taken (the only unique column a caller chooses)
            raise ScheduleNameTaken(f"a schedule {command.name!r} exists", field="name") from None
        _set_timer(uow, command.tenant_id, command.schedule_id, due)
        return record_of(SimpleNamespace(**values, tenant_id=command.tenant_id))

    def pause(self, command: PauseSchedule, uow: UnitOfWork) -> ScheduleRecord:
        """Pause: drop the pending timer."""
        store = ScheduleStore(uow.connection, command.tenant_id)
        store.get(command.schedule_id, lock=True)
        store.change(command.schedule_id, paused=True, next_due_at=None, updated_at=uow.clock.now())
        Schedule.of(uow).cancel(command.tenant_id, timer_key(command.schedule_id))
        return store.get(command.schedule_id)

    def resume(self, command: ResumeSchedule, uow: UnitOfWork) -> ScheduleRecord:
        """Resume: the next firing after now (those missed while paused are not made up)."""
        store = ScheduleStore(uow.connection, command.tenant_id)
        schedule = store.get(command.schedule_id, lock=True)
        if not schedule.paused:
            return schedule
        now = uow.clock.now()
        due = schedule.timing.next_after(now)
        store.change(command.schedule_id, paused=False, next_due_at=due, updated_at=now)
        _set_timer(uow, command.tenant_id, command.schedule_id, due)
        return store.get(command.schedule_id)

    def run_now(self, command: RunScheduleNow, uow: UnitOfWork) -> str:
        """Send the schedule's command once now; the run's id."""
        store = ScheduleStore(uow.connection, command.tenant_id)
        schedule = store.get(command.schedule_id, lock=True)
        now = uow.clock.now()
        sent = self.commands.build(
            schedule.command_type, schedule.command_payload, schedule.tenant_id, command.actor
        )
        run_id = str(uuid.uuid4())
        store.add_run(_run(run_id, schedule.schedule_id, now, now, "manual", sent))
        uow.emit(sent)
        return run_id

    def delete(self, command: DeleteSchedule, uow: UnitOfWork) -> None:
        """Delete the schedule, its timer and its runs."""
        store = ScheduleStore(uow.connection, command.tenant_id)
        store.get(command.schedule_id, lock=True)
        Schedule.of(uow).cancel(command.tenant_id, timer_key(command.schedule_id))
        store.remove(command.schedule_id)

    def fire(self, uow: UnitOfWork, timers: Sequence[Message]) -> list[Message]:
        """The commands of the due ``timers`` (``FireSchedule``), with their runs and next timers
        written on ``uow``; a timer whose schedule was paused, changed or deleted sends nothing."""
        due = [timer for timer in timers if isinstance(timer, FireSchedule)]
        rows = locked_for_firing(uow.connection, sorted({timer.schedule_id for timer in due}))
        firings = Firings(uow.clock.now())
        for timer in due:
            row = rows.get(timer.schedule_id)
            if row is None or row.paused or row.next_due_at != timer.due_at:
                continue  # deleted, paused or its timer replaced since: this one is stale
            firings.add(record_of(row), timer.due_at, self.commands)
        firings.write(uow)
        return firings.commands

    def _fire_one(self, command: FireSchedule, uow: UnitOfWork) -> None:
        """A timer delivered through the bus rather than ``fire`` (no expander wired)."""
        uow.emit(*self.fire(uow, [command]))


class Firings:
    """The firings of one batch, written together: their runs, next due times and timers.

    A firing is recorded as its run, not in the audit log: that holds people's changes to
    schedules (create, pause, resume, run now, delete), and the command a firing sends is
    audited where it is handled.
    """

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.commands: list[Message] = []
        self._runs: list[dict[str, Any]] = []
        self._next: list[dict[str, Any]] = []
        self._timers: list[tuple[dt.datetime, Message, str]] = []

    def add(
        self, schedule: ScheduleRecord, due_at: dt.datetime, commands: SchedulableCommands
    ) -> None:
        """Fire ``schedule`` for ``due_at``, or, later than its grace and set to skip, miss it."""
        late = self.now - due_at > dt.timedelta(seconds=schedule.misfire_grace_seconds)
        send = not late or schedule.misfire is Misfire.RUN_ONCE
        command = (
            commands.build(
                schedule.command_type, schedule.command_payload, schedule.tenant_id,
                schedule.created_by,
            ) if send else None
        )  # fmt: skip
        if command is not None:
            self.commands.append(command)
        key = timer_key(schedule.schedule_id)
        run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{key}@{due_at.isoformat()}"))
        run = _run(run_id, schedule.schedule_id, due_at, self.now, "cron", command)
        self._runs.append({**run, "tenant_id": schedule.tenant_id})
        # late: the firings missed meanwhile are not made up one by one, the rhythm goes on
        following = schedule.timing.next_after(self.now if late else due_at)
        self._next.append({"id": schedule.schedule_id, "next": following})
        if following is not None:
            timer = FireSchedule(
                tenant_id=schedule.tenant_id, schedule_id=schedule.schedule_id, due_at=following
            )
            self._timers.append((following, timer, key))

    def write(self, uow: UnitOfWork) -> None:
        """Write the batch's runs, next due times and timers on ``uow``.

        A run's ``fired_at`` is when the batch is written (its commit follows at once), so its
        lateness includes the time the batch took, not only until it was claimed.
        """
        if not self._runs:
            return
        written = uow.clock.now()
        for run in self._runs:
            run["fired_at"] = written
            run["lateness_ms"] = _lateness_ms(run["due_at"], written)
        _INSERT_RUNS.execute_many(uow.connection, self._runs)
        if uow.connection.dialect.name == "postgresql":  # one statement instead of one per row
            ids, following = zip(*((n["id"], n["next"]) for n in self._next), strict=True)
            uow.connection.execute(_SET_NEXT_DUE, {"ids": list(ids), "next": list(following)})
        else:
            uow.connection.execute(_SET_NEXT_DUE_ONE, self._next)
        Schedule.of(uow).at_many(self._timers)


def _set_timer(uow: UnitOfWork, tenant_id: str, schedule_id: str, due: dt.datetime | None) -> None:
    schedule = Schedule.of(uow)
    if due is None:
        schedule.cancel(tenant_id, timer_key(schedule_id))
        return
    timer = FireSchedule(tenant_id=tenant_id, schedule_id=schedule_id, due_at=due)
    schedule.at(due, timer, key=timer_key(schedule_id))


def _run(
    run_id: str,
    schedule_id: str,
    due_at: dt.datetime,
    now: dt.datetime,
    trigger: str,
    command: Message | None,
) -> dict[str, Any]:
    return {
        "run_id": run_id, "schedule_id": schedule_id, "due_at": due_at, "trigger": trigger,
        "outcome": "missed" if command is None else "fired",
        "message_id": None if command is None else command.message_id, "fired_at": now,
        "lateness_ms": _lateness_ms(due_at, now),
    }  # fmt: skip


def _lateness_ms(due_at: dt.datetime, fired_at: dt.datetime) -> int:
    return max(0, int((fired_at - due_at).total_seconds() * 1000))


def _created(command: CreateSchedule, result: ScheduleRecord) -> Change:
    after = {"name": command.name, "cron": command.cron, "command_type": command.command_type}
    return Change("integration.schedule.create", ENTITY, command.schedule_id, after=after)
