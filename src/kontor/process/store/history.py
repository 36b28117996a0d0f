"""Process history: activity instances, variable changes, incidents and the operation log.

What a step writes depends on the history level: ``none`` writes nothing, ``activity`` the
activity instances, ``full`` also every variable change. Incidents are runtime state and are
kept at every level.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from kontor.db.fast import FastStatement
from kontor.db.ids import time_ordered_id
from kontor.process.runtime import (
    ActivityCompleted,
    ActivityMerged,
    ActivityStarted,
    ActivityTerminated,
    Effect,
    InstanceState,
)
from kontor.process.store.tables import (
    process_activity_history,
    process_incidents,
    process_operation_log,
    process_variable_history,
)


class HistoryLevel(StrEnum):
    """How much history the engine writes per step."""

    NONE = "none"
    ACTIVITY = "activity"
    FULL = "full"


@dataclass(frozen=True)
class ActivityInstance:
    """One activity instance: when it started and ended and how it ended."""

    element_id: str
    element_kind: str
    token_id: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    outcome: str | None

    @property
    def duration(self) -> dt.timedelta | None:
        """How long the activity ran; None while it still runs."""
        return None if self.ended_at is None else self.ended_at - self.started_at


@dataclass(frozen=True)
class VariableChange:
    """A variable set (``removed`` false, ``value`` the new value) or removed in a scope."""

    scope_id: str
    name: str
    value: Any
    removed: bool
    changed_at: dt.datetime


@dataclass(frozen=True)
class IncidentRecord:
    """An incident of an instance; ``resolved_at`` is None while it is open."""

    incident_id: str
    local_id: str
    element_id: str
    reason: str
    job_local_id: str | None
    created_at: dt.datetime
    resolved_at: dt.datetime | None


@dataclass(frozen=True)
class OperationRecord:
    """An operation someone performed on an instance."""

    operation_id: str
    operation: str
    actor: str | None
    details: dict[str, Any]
    at: dt.datetime


def record_history(
    connection: Connection,
    tenant_id: str,
    before: InstanceState | None,
    after: InstanceState,
    effects: Sequence[Effect],
    now: dt.datetime,
    level: HistoryLevel = HistoryLevel.FULL,
) -> None:
    """Write the history of one step (from ``before`` to ``after``) that ``level`` asks for."""
    if level is HistoryLevel.NONE:
        return
    _record_activities(connection, tenant_id, after.instance_id, effects)
    if level is HistoryLevel.FULL:
        _record_variables(connection, tenant_id, before, after, now)


def log_operation(
    connection: Connection,
    tenant_id: str,
    instance_id: str,
    operation: str,
    actor: str | None,
    details: dict[str, Any],
    at: dt.datetime,
) -> str:
    """Append an operation on an instance to the operation log; return its id."""
    operation_id = time_ordered_id()
    connection.execute(
        insert(process_operation_log).values(
            operation_id=operation_id,
            tenant_id=tenant_id,
            instance_id=instance_id,
            operation=operation,
            actor=actor,
            details=details,
            at=at,
        )
    )
    return operation_id


def operations(connection: Connection, tenant_id: str, instance_id: str) -> list[OperationRecord]:
    """The operations performed on an instance, oldest first."""
    table = process_operation_log
    rows = connection.execute(
        select(table)
        .where(table.c.tenant_id == tenant_id, table.c.instance_id == instance_id)
        .order_by(table.c.at, table.c.operation_id)
    )
    return [OperationRecord(r.operation_id, r.operation, r.actor, r.details, r.at) for r in rows]


class HistoryStore:
    """Reads one tenant's process history on a unit of work's connection."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def activity_history(self, instance_id: str) -> list[ActivityInstance]:
        """The instance's activity instances in the order they started."""
        table = process_activity_history
        rows = self._connection.execute(
            select(table)
            .where(table.c.tenant_id == self._tenant_id, table.c.instance_id == instance_id)
            .order_by(table.c.activity_id)
        )
        return [
            ActivityInstance(
                r.element_id, r.element_kind, r.token_id, r.started_at, r.ended_at, r.outcome
            )
            for r in rows
        ]

    def variable_history(self, instance_id: str, name: str | None = None) -> list[VariableChange]:
        """The instance's variable changes (of ``name`` only, if given) in the order made."""
        table = process_variable_history
        query = select(table).where(
            table.c.tenant_id == self._tenant_id, table.c.instance_id == instance_id
        )
        if name is not None:
            query = query.where(table.c.name == name)
        rows = self._connection.execute(query.order_by(table.c.change_id))
        return [VariableChange(r.scope_id, r.name, r.value, r.removed, r.changed_at) for r in rows]

    def incidents(self, instance_id: str, *, open_only: bool = True) -> list[IncidentRecord]:
        """The instance's incidents, oldest first: open ones, or all with ``open_only=False``."""
        statement = OPEN_INCIDENTS if open_only else _ALL_INCIDENTS
        rows = statement.all_rows(
            self._connection, {"b_tenant": self._tenant_id, "b_instance": instance_id}
        )
        return [incident_of(row) for row in rows]

    def operations(self, instance_id: str) -> list[OperationRecord]:
        """The operations performed on the instance, oldest first."""
        return operations(self._connection, self._tenant_id, instance_id)


_OUTCOMES: dict[type, str] = {
    ActivityCompleted: "completed",
    ActivityTerminated: "terminated",
    ActivityMerged: "merged",  # a token that waited at a join and went on as part of another
}

# Built once: every step writes history, statement construction would dominate its cost.
_OF_INSTANCE = (
    process_incidents.c.tenant_id == bindparam("b_tenant"),
    process_incidents.c.instance_id == bindparam("b_instance"),
)
_INCIDENT_ORDER = (process_incidents.c.created_at, process_incidents.c.local_id)
_ALL_INCIDENTS = FastStatement(
    select(process_incidents).where(*_OF_INSTANCE).order_by(*_INCIDENT_ORDER)
)
OPEN_INCIDENTS = FastStatement(
    select(process_incidents)
    .where(*_OF_INSTANCE, process_incidents.c.resolved_at.is_(None))
    .order_by(*_INCIDENT_ORDER)
)
"""An instance's open incidents, oldest first (parameters ``b_tenant``, ``b_instance``)."""


def incident_of(row: Any) -> IncidentRecord:
    """The incident a row of ``process_incidents`` holds."""
    return IncidentRecord(
        row.incident_id, row.local_id, row.element_id, row.reason, row.job_local_id,
        row.created_at, row.resolved_at,
    )  # fmt: skip


_INSERT_ACTIVITIES = FastStatement(insert(process_activity_history))
_INSERT_VARIABLES = FastStatement(insert(process_variable_history))
_END_ACTIVITY = FastStatement(
    update(process_activity_history)
    .where(
        process_activity_history.c.tenant_id == bindparam("b_tenant"),
        process_activity_history.c.instance_id == bindparam("b_instance"),
        process_activity_history.c.token_id == bindparam("b_token"),
        process_activity_history.c.element_id == bindparam("b_element"),
        process_activity_history.c.ended_at.is_(None),
    )
    .values(ended_at=bindparam("b_ended_at"), outcome=bindparam("b_outcome"))
)


def _record_activities(
    connection: Connection, tenant_id: str, instance_id: str, effects: Sequence[Effect]
) -> None:
    owner = {"tenant_id": tenant_id, "instance_id": instance_id}
    # Activities that start and end within one step become one row; only activities that
    # waited across steps need an update of their open row.
    opened: dict[tuple[str, str], dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    ends: list[dict[str, Any]] = []
    for effect in effects:
        if isinstance(effect, ActivityStarted):
            row = {
                **owner,
                "element_id": effect.element_id,
                "element_kind": effect.element_kind,
                "token_id": effect.token_id,
                "started_at": _time(effect.at),
                "ended_at": None,
                "outcome": None,
            }
            opened[(effect.token_id, effect.element_id)] = row
            rows.append(row)
        elif isinstance(effect, ActivityCompleted | ActivityTerminated | ActivityMerged):
            ended = _time(effect.at)
            outcome = _OUTCOMES[type(effect)]
            row_open = opened.pop((effect.token_id, effect.element_id), None)
            if row_open is not None:
                row_open.update(ended_at=ended, outcome=outcome)
                continue
            ends.append(
                {
                    "b_tenant": tenant_id,
                    "b_instance": instance_id,
                    "b_token": effect.token_id,
                    "b_element": effect.element_id,
                    "b_ended_at": ended,
                    "b_outcome": outcome,
                }
            )
    # scoped to the instance, so that a batch's rows for other instances go together
    _END_ACTIVITY.execute_later(connection, ends, scope=instance_id)
    _INSERT_ACTIVITIES.execute_later(connection, rows, scope=instance_id, appending=True)


@lru_cache(maxsize=64)
def _time(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp)  # the effects of a step share one time stamp


def _record_variables(
    connection: Connection,
    tenant_id: str,
    before: InstanceState | None,
    after: InstanceState,
    now: dt.datetime,
) -> None:
    rows = [
        {
            "tenant_id": tenant_id,
            "instance_id": after.instance_id,
            "scope_id": scope_id,
            "name": name,
            "value": value,
            "removed": removed,
            "changed_at": now,
        }
        for scope_id, name, value, removed in _variable_changes(before, after)
    ]
    _INSERT_VARIABLES.execute_later(connection, rows, scope=after.instance_id, appending=True)


def _variable_changes(
    before: InstanceState | None, after: InstanceState
) -> Iterator[tuple[str, str, Any, bool]]:
    # Variables of a scope that ended end with it: only scopes that still exist report removals.
    for scope_id, scope in after.scopes.items():
        old_scope = before.scopes.get(scope_id) if before is not None else None
        old: dict[str, Any] = old_scope.variables if old_scope is not None else {}
        new = scope.variables
        if old is new:
            continue
        for name, value in new.items():
            if name not in old or not _same(old[name], value):
                yield scope_id, name, value, False
        for name in old:
            if name not in new:
                yield scope_id, name, None, True


def _same(old: Any, new: Any) -> bool:
    # 1 == True == 1.0 in Python, but a JSON reader sees three different values.
    return type(old) is type(new) and bool(old == new)
