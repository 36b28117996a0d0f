"""Timer start events: scheduled when a version is deployed, fired by the job executor.

Each fire starts an instance at the timer's start event and, for cycles (ISO 8601 repetitions
or cron), schedules the next round from the round's due time, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from kontor.messaging import MessageBus
from kontor.process.bpmn.expressions import Expression
from kontor.process.bpmn.model import EventDefinition, EventKind, FlowNode, Process
from kontor.process.errors import InvalidProcessModel
from kontor.process.parallel_start import start_or_keep
from kontor.process.runtime.timer_schedule import Schedule, first_schedule, next_due
from kontor.process.runtime.timers import TimerFormatError
from kontor.process.store import DefinitionStore
from kontor.process.store.start_events import (
    UNBOUNDED,
    DueStartTimer,
    StartTimer,
    claim_due_start_timers,
    reschedule_start_timer,
    still_claimed,
)

if TYPE_CHECKING:
    from kontor.process.service import ProcessServices

log = logging.getLogger(__name__)


def start_timers_of(
    services: ProcessServices, process: Process, now: dt.datetime
) -> list[StartTimer]:
    """The first rounds of a process's timer start events, armed at ``now``."""
    timers = []
    for node in process.start_events():
        if _timer_of(node) is not None:
            schedule = _schedule(services, node, now)
            rounds = UNBOUNDED if schedule.repetitions_left is None else schedule.repetitions_left
            timers.append(StartTimer(node.id, schedule.due, rounds if schedule.interval else 0))
    return timers


def fire_due_start_timers(
    bus: MessageBus, services: ProcessServices, owner: str, lock_for: dt.timedelta, limit: int
) -> int:
    """Start an instance for each due start timer and schedule its next round; how many fired."""
    with bus.unit_of_work() as uow:
        due = claim_due_start_timers(uow.connection, uow.clock.now(), owner, lock_for, limit)
        uow.commit()
    fired = 0
    for timer in due:
        try:
            fired += _fire(bus, services, timer, owner)
        except Exception:  # one broken model must not stop the executor; retried on lock expiry
            log.exception("start timer %s of %s failed", timer.element_id, timer.definition_id)
    return fired


def _fire(bus: MessageBus, services: ProcessServices, timer: DueStartTimer, owner: str) -> int:
    with bus.unit_of_work() as uow:
        if not still_claimed(uow.connection, timer, owner):
            return 0  # a newer version replaced the timer meanwhile
        definition = DefinitionStore(uow.connection, timer.tenant_id).get(timer.definition_id)
        process = services.definitions(uow, timer.tenant_id, timer.definition_id).process(
            definition.process_key
        )
        node = process.node(timer.element_id)
        timer_index = next(
            (i for i, d in enumerate(node.event_definitions) if d.kind is EventKind.TIMER), 0
        )
        start_or_keep(services, uow, definition, node, timer_index, {}, {})
        due_at, rounds = None, 0
        if timer.rounds_left != 0:
            interval = _schedule(services, process.node(timer.element_id), timer.due_at).interval
            due_at = next_due(interval or "", timer.due_at)
            rounds = UNBOUNDED if timer.rounds_left == UNBOUNDED else timer.rounds_left - 1
        reschedule_start_timer(uow.connection, timer.job_id, due_at, rounds)
        uow.commit()
    return 1


def _timer_of(node: FlowNode) -> EventDefinition | None:
    # A multiple start event has at most one timer definition (validation).
    return next((e for e in node.event_definitions if e.kind is EventKind.TIMER), None)


def _schedule(services: ProcessServices, node: FlowNode, now: dt.datetime) -> Schedule:
    event = _timer_of(node)
    definition = event.timer if event is not None else None
    try:
        if definition is None:
            raise TimerFormatError("no time given")
        value: Any = definition.value
        if isinstance(value, Expression):
            value = services.evaluator.evaluate(value, {})
        return first_schedule(definition.kind, value, now)
    except (TimerFormatError, ValueError) as error:
        raise InvalidProcessModel(f"timer start event {node.id!r}: {error}") from error
