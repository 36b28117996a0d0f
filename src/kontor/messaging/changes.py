"""State changes a unit of work records for the audit log, written in its transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection


@dataclass(frozen=True)
class Change:
    """One state change made through the service layer: what was done to which entity.

    ``before`` and ``after`` are JSON-compatible and may hold personal values; ``subject``
    references the data subject they belong to, so that an erasure finds them.
    """

    action: str
    entity_type: str
    entity_id: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    subject: str | None = None


@dataclass(frozen=True)
class RecordedChange:
    """A change with who made it, in which tenant, when and in which correlation."""

    change: Change
    tenant_id: str
    actor: str | None
    correlation_id: str | None
    recorded_at: dt.datetime


class ChangeLog(Protocol):
    """Where recorded changes go: written on the unit of work's connection before it commits."""

    def write(self, connection: Connection, changes: Sequence[RecordedChange]) -> None:
        """Write ``changes`` in the open transaction of ``connection``."""
        ...


class ChangeLogs:
    """Several change logs written in turn, in the same transaction (e.g. audit log and meter)."""

    def __init__(self, *logs: ChangeLog) -> None:
        self._logs = logs

    def write(self, connection: Connection, changes: Sequence[RecordedChange]) -> None:
        """Write ``changes`` to every log."""
        for log in self._logs:
            log.write(connection, changes)
