"""Absences: who stands in for an absent user, along a chain of substitutes, without loops."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from kontor.errors import InvalidInput
from kontor.messaging import FakeClock, UnitOfWork
from kontor.platform import AbsenceNotFound, Absences
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

NOW = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)


def away(uow: UnitOfWork, user: str, tenant: str = "t1", **substitute: str) -> str:
    absence = Absences(uow.connection, tenant).record(
        user, NOW - WEEK, NOW + WEEK, NOW, **substitute
    )
    return absence.absence_id


def test_substitutes_are_followed_while_they_are_away_too(engine: Engine) -> None:
    with UnitOfWork(engine, FakeClock(NOW)) as uow:
        away(uow, "anna", substitute_user_id="ben")
        away(uow, "ben", substitute_user_id="carl")
        away(uow, "dora", substitute_group_id="desk")
        away(uow, "eva", substitute_user_id="fritz")
        away(uow, "fritz", substitute_user_id="eva")  # a loop
        away(uow, "gerd", "t2", substitute_user_id="anna")
        absences = Absences(uow.connection, "t1")
        anna = absences.substitute_for("anna", NOW)
        assert anna is not None
        assert (anna.user_id, [a.user_id for a in anna.chain]) == ("carl", ["anna", "ben"])
        dora = absences.substitute_for("dora", NOW)
        assert dora is not None
        assert (dora.user_id, dora.group_id) == (None, "desk")
        eva = absences.substitute_for("eva", NOW)
        assert eva is not None
        assert eva.user_id == "eva"  # everyone in the loop is away: it stays where it went
        assert absences.substitute_for("carl", NOW) is None
        assert absences.substitute_for("anna", NOW + 2 * WEEK) is None  # back at work
        assert absences.substitute_for("gerd", NOW) is None  # another tenant's absence


def test_an_absence_needs_an_end_after_its_start_and_one_substitute(engine: Engine) -> None:
    with UnitOfWork(engine, FakeClock(NOW)) as uow:
        absences = Absences(uow.connection, "t1")
        with pytest.raises(InvalidInput) as backwards:
            absences.record("anna", NOW, NOW, NOW, substitute_user_id="ben")
        assert backwards.value.details["field"] == "ends_at"
        with pytest.raises(InvalidInput):
            absences.record("anna", NOW, NOW + WEEK, NOW)
        with pytest.raises(InvalidInput):
            absences.record(
                "anna", NOW, NOW + WEEK, NOW, substitute_user_id="b", substitute_group_id="g"
            )
        with pytest.raises(InvalidInput):
            absences.record("anna", NOW, NOW + WEEK, NOW, substitute_user_id="anna")
        absence_id = away(uow, "anna", substitute_user_id="ben")
        with pytest.raises(AbsenceNotFound):
            absences.withdraw("ben", absence_id)  # only one's own
        absences.withdraw("anna", absence_id)
        assert absences.of("anna") == []
