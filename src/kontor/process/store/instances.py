"""Process instances: their state as JSON with a revision for optimistic concurrency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from kontor.db.fast import FastStatement, Read, read_together
from kontor.db.lists import any_of_parameter
from kontor.process.errors import ConcurrentModification, DuplicateBusinessKey, InstanceNotFound
from kontor.process.runtime import Effect, InstanceState, InstanceStatus
from kontor.process.store.call_links import ParentLink
from kontor.process.store.derived import sync_rows
from kontor.process.store.history import HistoryLevel
from kontor.process.store.tables import (
    process_instances,
    process_jobs,
    process_subscriptions,
)


@dataclass(frozen=True)
class InstanceRecord:
    """A stored instance: which definition it runs, its keys, state and revision."""

    instance_id: str
    tenant_id: str
    definition_id: str
    process_key: str
    definition_version: int
    business_key: str | None
    case_id: str | None
    state: InstanceState
    revision: int
    started_at: dt.datetime
    parent: ParentLink | None = None
    started_by: str | None = None

    @property
    def status(self) -> InstanceStatus:
        """Whether the instance is active, completed or terminated."""
        return self.state.status


@dataclass(frozen=True)
class SubscriptionRow:
    """An open subscription of a waiting instance."""

    instance_id: str
    local_id: str
    element_id: str


# Built once: the hot path executes them with parameters and skips statement construction.
INSTANCE_ROW = FastStatement(
    select(process_instances).where(
        process_instances.c.tenant_id == bindparam("b_tenant"),
        process_instances.c.instance_id == bindparam("b_instance"),
    )
)
"""An instance's row (parameters ``b_tenant``, ``b_instance``)."""
_INSTANCE_ROWS = FastStatement(
    select(process_instances).where(
        process_instances.c.tenant_id == bindparam("b_tenant"),
        any_of_parameter(process_instances.c.instance_id, "b_instances"),
    )
)
"""PostgreSQL: the rows of several instances (parameters ``b_tenant``, ``b_instances``)."""
INSTANCE_JOBS = FastStatement(
    select(process_jobs)
    .where(
        process_jobs.c.tenant_id == bindparam("b_tenant"),
        process_jobs.c.instance_id == bindparam("b_instance"),
    )
    .order_by(process_jobs.c.local_id)
)
"""An instance's job and timer rows by local id (parameters ``b_tenant``, ``b_instance``)."""
_INSERT = FastStatement(insert(process_instances))
_BY_BUSINESS_KEY = FastStatement(
    select(process_instances).where(
        process_instances.c.tenant_id == bindparam("b_tenant"),
        process_instances.c.process_key == bindparam("b_process"),
        process_instances.c.business_key == bindparam("b_key"),
    )
)
_SUBSCRIPTIONS = select(
    process_subscriptions.c.instance_id,
    process_subscriptions.c.local_id,
    process_subscriptions.c.element_id,
).where(
    process_subscriptions.c.tenant_id == bindparam("b_tenant"),
    process_subscriptions.c.event == bindparam("b_event"),
    process_subscriptions.c.name == bindparam("b_name"),
)
_ORDER = (process_subscriptions.c.created_at, process_subscriptions.c.local_id)
_SUBSCRIBERS = FastStatement(_SUBSCRIPTIONS.order_by(*_ORDER))
_KEYED_SUBSCRIBERS = FastStatement(
    _SUBSCRIPTIONS.where(process_subscriptions.c.correlation_key == bindparam("b_key")).order_by(
        *_ORDER
    )
)
_SAVE = FastStatement(
    update(process_instances)
    .where(
        process_instances.c.tenant_id == bindparam("b_tenant"),
        process_instances.c.instance_id == bindparam("b_instance"),
        process_instances.c.revision == bindparam("b_revision"),
    )
    .values(
        state=bindparam("b_state"),
        status=bindparam("b_status"),
        revision=bindparam("b_new_revision"),
        updated_at=bindparam("b_now"),
        ended_at=bindparam("b_ended_at"),
    )
)


class InstanceStore:
    """Reads and writes one tenant's process instances on a unit of work's connection."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def add(
        self,
        record: InstanceRecord,
        effects: Sequence[Effect],
        now: dt.datetime,
        *,
        history_level: HistoryLevel = HistoryLevel.FULL,
    ) -> None:
        """Store a newly started instance with its jobs, subscriptions and history."""
        if record.business_key is not None and self.find_by_business_key(
            record.process_key, record.business_key
        ):
            raise DuplicateBusinessKey(
                f"process {record.process_key!r} has an instance with business key "
                f"{record.business_key!r} already",
                business_key=record.business_key,
            )
        _INSERT.execute_later(
            self._connection,
            [{
                "instance_id": record.instance_id,
                "tenant_id": self._tenant_id,
                "definition_id": record.definition_id,
                "process_key": record.process_key,
                "definition_version": record.definition_version,
                "business_key": record.business_key,
                "case_id": record.case_id,
                "status": record.state.status.value,
                "state": record.state.to_dict(),
                "revision": record.revision,
                "started_at": record.started_at,
                "updated_at": now,
                "ended_at": _ended(record.state, now),
                "parent_instance_id": record.parent.instance_id if record.parent else None,
                "parent_token_id": record.parent.token_id if record.parent else None,
                "started_by": record.started_by,
            }],
            scope=record.instance_id, appending=True,  # a batch's starts go together
        )  # fmt: skip
        sync_rows(
            self._connection, self._tenant_id, None, record.state, effects, now, history_level
        )

    def save(
        self,
        record: InstanceRecord,
        state: InstanceState,
        effects: Sequence[Effect],
        now: dt.datetime,
        *,
        history_level: HistoryLevel = HistoryLevel.FULL,
    ) -> InstanceRecord:
        """Store the state a step produced; refuse if someone saved since ``record`` was read
        (at once, or when the transaction's queued writes are sent: ``checks_later``)."""
        _SAVE.execute_checked(
            self._connection,
            {
                "b_tenant": self._tenant_id,
                "b_instance": record.instance_id,
                "b_revision": record.revision,
                "b_state": state.to_dict(),
                "b_status": state.status.value,
                "b_new_revision": record.revision + 1,
                "b_now": now,
                "b_ended_at": _ended(state, now),
            },
            lambda: ConcurrentModification(
                f"instance {record.instance_id} changed since revision {record.revision}",
                instance_id=record.instance_id,
            ),
        )
        sync_rows(
            self._connection, self._tenant_id, record.state, state, effects, now, history_level
        )
        return replace(record, state=state, revision=record.revision + 1)

    def get(self, instance_id: str) -> InstanceRecord:
        """The instance with ``instance_id`` (of this tenant)."""
        record = self._find(instance_id)
        if record is None:
            raise InstanceNotFound(f"process instance {instance_id!r} not found", id=instance_id)
        return record

    def get_many(self, instance_ids: Collection[str]) -> dict[str, InstanceRecord]:
        """The instances of those ids that exist (of this tenant), by id."""
        wanted = list(instance_ids)
        return self.found(wanted, read_together(self._connection, *self.reads(wanted)))

    def reads(self, instance_ids: Sequence[str]) -> list[Read]:
        """The reads of the instances with these ids (``found``): on PostgreSQL one statement
        with one array of ids; on SQLite one primary-key lookup each (with ``tenant_id = ? AND
        instance_id IN (...)`` it walks the tenant's whole status index, which grows with the
        history)."""
        if self._connection.dialect.name == "postgresql":
            return [(_INSTANCE_ROWS, {"b_tenant": self._tenant_id, "b_instances": instance_ids})]
        wanted = [{"b_tenant": self._tenant_id, "b_instance": one} for one in instance_ids]
        return [(INSTANCE_ROW, params) for params in wanted]

    def found(
        self, instance_ids: Sequence[str], found: list[list[Any]]
    ) -> dict[str, InstanceRecord]:
        """The instances in the rows of ``reads``, by id."""
        if self._connection.dialect.name == "postgresql":
            return {row.instance_id: _record(row) for row in found[0]}
        return {
            one: _record(rows[0]) for one, rows in zip(instance_ids, found, strict=True) if rows
        }

    def _find(self, instance_id: str) -> InstanceRecord | None:
        row = INSTANCE_ROW.first_row(
            self._connection, {"b_tenant": self._tenant_id, "b_instance": instance_id}
        )
        return None if row is None else _record(row)

    def find_by_business_key(self, process_key: str, business_key: str) -> InstanceRecord | None:
        """The instance of ``process_key`` carrying ``business_key``, if any."""
        params = {"b_tenant": self._tenant_id, "b_process": process_key, "b_key": business_key}
        row = _BY_BUSINESS_KEY.first_row(self._connection, params)
        return _record(row) if row is not None else None

    def subscribers(
        self, event: str, name: str, correlation_key: str | None = None
    ) -> list[SubscriptionRow]:
        """Open subscriptions to the message or signal ``name`` (and key), oldest first."""
        params = {"b_tenant": self._tenant_id, "b_event": event, "b_name": name}
        if correlation_key is None:
            rows = _SUBSCRIBERS.all_rows(self._connection, params)
        else:
            params["b_key"] = correlation_key
            rows = _KEYED_SUBSCRIBERS.all_rows(self._connection, params)
        return [SubscriptionRow(r.instance_id, r.local_id, r.element_id) for r in rows]

    def jobs(self, instance_id: str) -> list[dict[str, Any]]:
        """The instance's job and timer rows, by local id."""
        params = {"b_tenant": self._tenant_id, "b_instance": instance_id}
        return [row._asdict() for row in INSTANCE_JOBS.all_rows(self._connection, params)]


def _ended(state: InstanceState, now: dt.datetime) -> dt.datetime | None:
    return None if state.status is InstanceStatus.ACTIVE else now


def _record(row: Any) -> InstanceRecord:
    return InstanceRecord(
        instance_id=row.instance_id,
        tenant_id=row.tenant_id,
        definition_id=row.definition_id,
        process_key=row.process_key,
        definition_version=row.definition_version,
        business_key=row.business_key,
        case_id=row.case_id,
        state=InstanceState.from_dict(row.state),
        revision=row.revision,
        started_at=row.started_at,
        parent=(
            ParentLink(row.parent_instance_id, row.parent_token_id or "")
            if row.parent_instance_id is not None
            else None
        ),
        started_by=row.started_by,
    )
