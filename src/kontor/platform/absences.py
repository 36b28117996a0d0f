"""Absences: users record when they are away and who stands in for them (Vertretung).

Other components read them through ``Absences.substitute_for``: casework hands the tasks of an
absent user to the substitute. A substitute who is away too passes them on to their own
substitute, as far as the chain goes without a loop.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select

from kontor.errors import InvalidInput, NotFound
from kontor.platform.absence_tables import absences

MAX_CHAIN = 5
"""How many substitutes away in turn are followed before the last one found takes the task."""


class AbsenceNotFound(NotFound):
    """No such absence of this user."""

    code = "platform.absence_not_found"


@dataclass(frozen=True)
class Absence:
    """A user is away from ``starts_at`` until ``ends_at``; a user or a group stands in."""

    absence_id: str
    user_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    substitute_user_id: str | None
    substitute_group_id: str | None
    note: str | None
    created_at: dt.datetime

    def covers(self, moment: dt.datetime) -> bool:
        """Whether the user is away at ``moment``."""
        return self.starts_at <= moment < self.ends_at


@dataclass(frozen=True)
class Substitution:
    """Who takes an absent user's task: a user or a group's queue, and the absences that led
    there (the first is the assignee's own)."""

    user_id: str | None
    group_id: str | None
    chain: tuple[Absence, ...]


class Absences:
    """Reads and records the absences of ``tenant_id``'s users."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def record(
        self,
        user_id: str,
        starts_at: dt.datetime,
        ends_at: dt.datetime,
        now: dt.datetime,
        *,
        substitute_user_id: str | None = None,
        substitute_group_id: str | None = None,
        note: str | None = None,
    ) -> Absence:
        """Record an absence; it needs an end after its start and exactly one substitute."""
        if ends_at <= starts_at:
            raise InvalidInput("an absence ends after it starts", field="ends_at")
        if bool(substitute_user_id) == bool(substitute_group_id):
            raise InvalidInput(
                "name either a substitute user or a substitute group", field="substitute_user_id"
            )
        if substitute_user_id == user_id:
            raise InvalidInput("nobody substitutes for themselves", field="substitute_user_id")
        absence = Absence(
            str(uuid.uuid4()), user_id, starts_at, ends_at, substitute_user_id or None,
            substitute_group_id or None, note, now,
        )  # fmt: skip
        self._connection.execute(
            insert(absences).values(
                absence_id=absence.absence_id, tenant_id=self._tenant_id, user_id=user_id,
                starts_at=starts_at, ends_at=ends_at,
                substitute_user_id=absence.substitute_user_id,
                substitute_group_id=absence.substitute_group_id, note=note, created_at=now,
            )
        )  # fmt: skip
        return absence

    def of(self, user_id: str, *, ending_after: dt.datetime | None = None) -> list[Absence]:
        """The user's absences (those not over before ``ending_after``), earliest first."""
        query = select(absences).where(
            absences.c.tenant_id == self._tenant_id, absences.c.user_id == user_id
        )
        if ending_after is not None:
            query = query.where(absences.c.ends_at > ending_after)
        rows = self._connection.execute(query.order_by(absences.c.starts_at, absences.c.absence_id))
        return [_absence(row) for row in rows]

    def withdraw(self, user_id: str, absence_id: str) -> None:
        """Delete one of the user's absences; ``AbsenceNotFound`` for another's or none."""
        result = self._connection.execute(
            delete(absences).where(
                absences.c.tenant_id == self._tenant_id,
                absences.c.user_id == user_id,
                absences.c.absence_id == absence_id,
            )
        )
        if result.rowcount != 1:
            raise AbsenceNotFound(f"absence {absence_id} not found", absence_id=absence_id)

    def away(self, user_id: str, moment: dt.datetime) -> Absence | None:
        """The absence that covers ``moment``, if the user is away then."""
        row = self._connection.execute(
            select(absences)
            .where(
                absences.c.tenant_id == self._tenant_id,
                absences.c.user_id == user_id,
                absences.c.starts_at <= moment,
                absences.c.ends_at > moment,
            )
            .order_by(absences.c.created_at.desc(), absences.c.absence_id)
            .limit(1)
        ).first()
        return None if row is None else _absence(row)

    def substitute_for(self, user_id: str, moment: dt.datetime) -> Substitution | None:
        """Who takes ``user_id``'s tasks at ``moment``; None when the user is not away."""
        chain: list[Absence] = []
        current, seen = user_id, {user_id}
        while len(chain) < MAX_CHAIN:
            absence = self.away(current, moment)
            if absence is None:
                break  # ``current`` is at work
            chain.append(absence)
            if absence.substitute_group_id is not None:
                return Substitution(None, absence.substitute_group_id, tuple(chain))
            current = absence.substitute_user_id or current
            if current in seen:
                break  # everyone in the loop is away: the last one named takes it
            seen.add(current)
        if not chain:
            return None
        return Substitution(current, None, tuple(chain))


def _absence(row: Row[Any]) -> Absence:
    return Absence(
        row.absence_id, row.user_id, row.starts_at, row.ends_at, row.substitute_user_id,
        row.substitute_group_id, row.note, row.created_at,
    )  # fmt: skip
