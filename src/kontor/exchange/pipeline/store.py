"""Runs in the database: created per upload, read per tenant, claimed and moved by runners."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from kontor.db import UtcDateTime
from kontor.db.ids import time_ordered_id
from kontor.errors import NotFound
from kontor.exchange.pipeline.domain import Pipeline, RunError, RunState, RunStatus
from kontor.exchange.pipeline.tables import exchange_run_items, exchange_runs

MAX_WARNINGS = 1000
"""Warnings kept per run; the report counts the rest."""

_r = exchange_runs.c


@dataclass(frozen=True)
class Run:
    """One run as users see it."""

    run_id: str
    tenant_id: str
    kind: str
    file_name: str
    size_bytes: int
    sha256: str
    blob_key: str | None
    status: RunStatus
    step_number: int
    step_name: str
    completed_step: int
    counts: dict[str, int]
    warnings: list[dict[str, Any]]
    report: dict[str, Any]
    error_code: str | None
    error_message: str | None
    error_suggestion: str | None
    attempts: int
    created_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @property
    def state(self) -> RunState:
        """The run's state for the pure transitions."""
        error = None
        if self.error_code is not None:
            error = RunError(self.error_code, self.error_message or "", self.error_suggestion or "")
        return RunState(self.status, self.step_number, self.completed_step, self.counts, error)


def _run(row: RowMapping) -> Run:
    values = dict(row)
    values.pop("claimed_by")
    values.pop("claimed_until")
    values["status"] = RunStatus(values["status"])
    return Run(**values)


class RunStore:
    """The runs of ``tenant_id``; nothing of another tenant is read or changed."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self.connection = connection
        self.tenant_id = tenant_id

    def add(
        self,
        pipeline: Pipeline,
        *,
        file_name: str,
        size_bytes: int,
        sha256: str,
        blob_key: str | None,
        created_by: str,
        now: dt.datetime,
    ) -> Run:
        """A new waiting run at step 0 for an uploaded file."""
        run_id = time_ordered_id()
        self.connection.execute(
            insert(exchange_runs).values(
                run_id=run_id,
                tenant_id=self.tenant_id,
                kind=pipeline.kind,
                file_name=file_name,
                size_bytes=size_bytes,
                sha256=sha256,
                blob_key=blob_key,
                status=RunStatus.WAITING.value,
                step_number=0,
                step_name=pipeline.step(0).name,
                completed_step=0,
                counts={},
                warnings=[],
                report={},
                attempts=0,
                created_by=created_by,
                created_at=now,
            )
        )
        return self.get(run_id)

    def get(self, run_id: str, kind: str | None = None) -> Run:
        """The run ``run_id`` of this tenant (of ``kind``, if given); else ``NotFound``."""
        query = select(exchange_runs).where(_r.tenant_id == self.tenant_id, _r.run_id == run_id)
        if kind is not None:
            query = query.where(_r.kind == kind)
        row = self.connection.execute(query).mappings().first()
        if row is None:
            raise NotFound(f"no run {run_id}", run_id=run_id)
        return _run(row)

    def list(self, kind: str, *, limit: int = 100, before: str | None = None) -> list[Run]:
        """The tenant's runs of ``kind``, newest first (only those older than ``before``)."""
        query = select(exchange_runs).where(_r.tenant_id == self.tenant_id, _r.kind == kind)
        if before is not None:
            query = query.where(_r.run_id < before)
        query = query.order_by(_r.run_id.desc()).limit(limit)
        return [_run(row) for row in self.connection.execute(query).mappings()]


class RunQueue:
    """The runners' view: claim a run that is due, move it along, release it."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def claim(
        self,
        kinds: Mapping[str, Pipeline],
        runner: str,
        now: dt.datetime,
        lease: dt.timedelta,
        *,
        window_open: bool,
        run_id: str | None = None,
    ) -> Run | None:
        """Take up the oldest due run (or ``run_id``): waiting, or running with an expired lease.

        A run at its pipeline's gate is due only while the run window is open; a tenant's runs
        are taken one at a time, in order.
        """
        due = or_(
            _r.status == RunStatus.WAITING.value,
            and_(_r.status == RunStatus.RUNNING.value, _r.claimed_until < now),
        )
        gated = [
            and_(_r.kind == kind, _r.completed_step >= pipeline.gate)
            for kind, pipeline in kinds.items()
            if pipeline.gate is not None
        ]
        conditions: list[ColumnElement[bool]] = [due, _r.kind.in_(list(kinds))]
        if gated and not window_open:
            conditions.append(~or_(*gated))
        other = exchange_runs.alias("other")
        busy_tenant = exists().where(
            other.c.tenant_id == _r.tenant_id,
            other.c.run_id != _r.run_id,
            or_(
                and_(other.c.status == RunStatus.RUNNING.value, other.c.claimed_until >= now),
                and_(
                    other.c.run_id < _r.run_id,
                    other.c.status.in_([RunStatus.WAITING.value, RunStatus.RUNNING.value]),
                ),
            ),
        )
        conditions.append(~busy_tenant)
        if run_id is not None:
            conditions.append(_r.run_id == run_id)
        query = select(_r.run_id).where(*conditions).order_by(_r.run_id).limit(1)
        if self.connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=exchange_runs)
        found = self.connection.execute(query).scalar_one_or_none()
        if found is None:
            return None
        claimed = self.connection.execute(
            update(exchange_runs)
            .where(_r.run_id == found, due)
            .values(
                status=RunStatus.RUNNING.value,
                claimed_by=runner,
                claimed_until=now + lease,
                attempts=_r.attempts + 1,
                started_at=_started_at(now),
            )
        )
        if claimed.rowcount != 1:
            return None  # another runner was quicker
        return self.get(found)

    def get(self, run_id: str) -> Run:
        """The run ``run_id`` of whichever tenant."""
        row = (
            self.connection.execute(select(exchange_runs).where(_r.run_id == run_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"no run {run_id}", run_id=run_id)
        return _run(row)

    def save(
        self,
        run_id: str,
        state: RunState,
        pipeline: Pipeline,
        *,
        runner: str,
        lease_until: dt.datetime | None,
        now: dt.datetime,
        warnings: list[dict[str, Any]] | None = None,
        report: dict[str, Any] | None = None,
    ) -> None:
        """Write ``state`` (and the report, warnings) if this runner still holds the run."""
        values: dict[str, Any] = {
            "status": state.status.value,
            "step_number": state.step,
            "step_name": pipeline.step(state.step).name,
            "completed_step": state.completed,
            "counts": dict(state.counts),
            "claimed_until": lease_until,
        }
        if state.status is not RunStatus.RUNNING:
            values["claimed_by"] = None
            values["claimed_until"] = None
        if state.status in (RunStatus.DONE, RunStatus.FAILED):
            values["finished_at"] = now
            values["blob_key"] = None
        if state.error is not None:
            values["error_code"] = state.error.code
            values["error_message"] = state.error.message
            values["error_suggestion"] = state.error.suggestion
        if warnings is not None:
            values["warnings"] = warnings[:MAX_WARNINGS]
        if report is not None:
            values["report"] = report
        changed = self.connection.execute(
            update(exchange_runs)
            .where(_r.run_id == run_id, _r.claimed_by == runner)
            .values(**values)
        )
        if changed.rowcount != 1:
            raise LostLease(run_id)


class LostLease(RuntimeError):
    """Another runner took the run over (this one's lease had expired)."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"run {run_id} was taken over by another runner")


def _started_at(now: dt.datetime) -> Any:
    return func.coalesce(_r.started_at, bindparam("first_start", now, type_=UtcDateTime))


@dataclass(frozen=True)
class RunItem:
    """One item a run read from its file, accepted or skipped with the reason."""

    item_no: int
    kind: str
    item_key: str
    line: int | None
    outcome: str
    reason: str | None
    data: dict[str, Any]


class RunItems:
    """The items of the runs of ``tenant_id``."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self.connection = connection
        self.tenant_id = tenant_id

    def replace(self, run_id: str, items: list[RunItem]) -> None:
        """Make ``items`` the run's items (again: the same result)."""
        i = exchange_run_items.c
        self.connection.execute(
            delete(exchange_run_items).where(i.tenant_id == self.tenant_id, i.run_id == run_id)
        )
        if items:
            self.connection.execute(
                insert(exchange_run_items),
                [
                    {
                        "run_id": run_id,
                        "tenant_id": self.tenant_id,
                        "item_no": item.item_no,
                        "kind": item.kind,
                        "item_key": item.item_key,
                        "line": item.line,
                        "outcome": item.outcome,
                        "reason": item.reason,
                        "data": item.data,  # not deep-copied (as asdict would): only read
                    }
                    for item in items
                ],
            )

    def page(
        self, run_id: str, *, after: int = 0, limit: int = 100, outcome: str | None = None
    ) -> list[RunItem]:
        """The run's items in file order after item number ``after`` (only with ``outcome``)."""
        i = exchange_run_items.c
        query = select(exchange_run_items).where(
            i.tenant_id == self.tenant_id, i.run_id == run_id, i.item_no > after
        )
        if outcome is not None:
            query = query.where(i.outcome == outcome)
        query = query.order_by(i.item_no).limit(limit)
        return [
            RunItem(
                row.item_no, row.kind, row.item_key, row.line, row.outcome, row.reason, row.data
            )
            for row in self.connection.execute(query)
        ]

    def of_run(self, run_id: str, outcome: str | None = None) -> Iterator[RunItem]:
        """Every item of the run in file order (only those with ``outcome``), read in batches."""
        after = 0
        while True:
            batch = self.page(run_id, after=after, limit=1000, outcome=outcome)
            yield from batch
            if len(batch) < 1000:
                return
            after = batch[-1].item_no
