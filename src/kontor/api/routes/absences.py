"""My absences: when I am away and who takes my tasks meanwhile (Vertretung)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.messaging import Change, UnitOfWork
from kontor.platform import SIGNED_IN, Absence, Absences, Principal

router = APIRouter(prefix="/api/auth/me/absences", tags=["authentication"],
                   route_class=StrictJsonRoute)  # fmt: skip

ABSENCE = "absence"


class AbsenceIn(BaseModel):
    """An absence: from, until (exclusive), and either a substitute user or group."""

    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    substitute_user_id: str | None = Field(default=None, min_length=1, max_length=64)
    substitute_group_id: str | None = Field(default=None, min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=500)


class AbsenceOut(BaseModel):
    """A recorded absence."""

    absence_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    substitute_user_id: str | None
    substitute_group_id: str | None
    note: str | None

    @classmethod
    def of(cls, absence: Absence) -> AbsenceOut:
        """The response body for ``absence``."""
        return cls(
            absence_id=absence.absence_id, starts_at=absence.starts_at, ends_at=absence.ends_at,
            substitute_user_id=absence.substitute_user_id,
            substitute_group_id=absence.substitute_group_id, note=absence.note,
        )  # fmt: skip


@router.get("")
def my_absences(
    request: Request, caller: Annotated[Principal, requires(SIGNED_IN)]
) -> list[AbsenceOut]:
    """My absences that have not ended yet, earliest first."""
    with kontor_of(request).bus.reading() as uow:
        found = Absences(uow.connection, caller.tenant_id).of(
            caller.user_id, ending_after=uow.clock.now()
        )
    return [AbsenceOut.of(a) for a in found]


@router.post("", status_code=201)
def record_absence(
    body: AbsenceIn, request: Request, caller: Annotated[Principal, requires(SIGNED_IN)]
) -> AbsenceOut:
    """Record an absence; tasks given to me while it lasts go to my substitute."""
    with kontor_of(request).bus.unit_of_work() as uow:
        absence = record_absence_of(
            uow, caller, body.starts_at, body.ends_at, substitute_user_id=body.substitute_user_id,
            substitute_group_id=body.substitute_group_id, note=body.note,
        )  # fmt: skip
        uow.commit()
    return AbsenceOut.of(absence)


@router.delete("/{absence_id}", status_code=204)
def withdraw_absence(
    absence_id: str, request: Request, caller: Annotated[Principal, requires(SIGNED_IN)]
) -> None:
    """Withdraw one of my absences."""
    with kontor_of(request).bus.unit_of_work() as uow:
        withdraw_absence_of(uow, caller, absence_id)
        uow.commit()


def record_absence_of(
    uow: UnitOfWork, caller: Principal, starts_at: dt.datetime, ends_at: dt.datetime, *,
    substitute_user_id: str | None, substitute_group_id: str | None, note: str | None,
) -> Absence:  # fmt: skip
    """Record the caller's absence in ``uow``, with its audit entry."""
    absence = Absences(uow.connection, caller.tenant_id).record(
        caller.user_id, starts_at, ends_at, uow.clock.now(),
        substitute_user_id=substitute_user_id, substitute_group_id=substitute_group_id, note=note,
    )  # fmt: skip
    after = AbsenceOut.of(absence).model_dump(mode="json")
    change = Change("platform.absence.record", ABSENCE, absence.absence_id, after=after,
                    subject=f"user:{caller.user_id}")  # fmt: skip
    uow.record(change, caller.tenant_id, caller.user_id)
    return absence


def withdraw_absence_of(uow: UnitOfWork, caller: Principal, absence_id: str) -> None:
    """Withdraw one of the caller's absences in ``uow``, with its audit entry."""
    Absences(uow.connection, caller.tenant_id).withdraw(caller.user_id, absence_id)
    change = Change("platform.absence.withdraw", ABSENCE, absence_id,
                    subject=f"user:{caller.user_id}")  # fmt: skip
    uow.record(change, caller.tenant_id, caller.user_id)
