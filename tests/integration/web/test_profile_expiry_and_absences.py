"""The profile's password expiry switch (with its warning) and absences with a substitute:
recorded in Berlin time, listed, refused in German when wrong, withdrawn, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.platform import UNDERWRITERS, TenantKind
from support.backends import BACKENDS
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor, pages=True) as test_client:
        yield test_client


def colleague(kontor: Kontor, name: str) -> Caller:
    return api_caller(kontor, "versicherer", kind=TenantKind.INSURER, group=UNDERWRITERS,
                      login=f"{name}@versicherer.test")  # fmt: skip


def test_switching_the_expiry_off_warns_and_on_again_says_so(
    kontor: Kontor, client: TestClient
) -> None:
    anna = colleague(kontor, "anna")
    page = client.get("/profile", headers=anna.headers).text
    assert "<h2>Passwortablauf</h2>" in page
    assert 'id="password-expires" name="expires" type="checkbox" checked' in page
    off = client.post("/profile/password-expiry", data={}, headers=anna.headers)
    assert off.status_code == 200
    assert "Ihr Passwort läuft nicht ab." in off.text
    assert "Ihr Passwort läuft nicht mehr ab. Ein Passwort, das sich nie ändert" in off.text
    assert client.get("/api/auth/me", headers=anna.headers).json()["password_expires_at"] is None
    on = client.post("/profile/password-expiry", data={"expires": "on"}, headers=anna.headers)
    assert "Ihr Passwort läuft wieder nach Ablauf der Frist ab." in on.text
    assert "läuft nicht mehr ab" not in on.text


def test_an_absence_is_recorded_in_berlin_time_and_withdrawn(
    kontor: Kontor, client: TestClient
) -> None:
    anna, ben = colleague(kontor, "anna"), colleague(kontor, "ben")
    page = client.get("/profile", headers=anna.headers).text
    assert f'<option value="user:{ben.principal.user_id}">' in page
    assert f'<option value="user:{anna.principal.user_id}">' not in page  # not herself
    away = {"starts_at": "2027-07-01T08:00", "ends_at": "2027-07-15T18:00",
            "substitute": f"user:{ben.principal.user_id}", "note": "Urlaub"}  # fmt: skip
    recorded = client.post("/profile/absences", data=away, headers=anna.headers)
    assert recorded.status_code == 200, recorded.text
    assert "Abwesenheit eingetragen." in recorded.text
    assert "01.07.2027, 08:00" in recorded.text
    assert "<td>Urlaub</td>" in recorded.text
    [absence] = client.get("/api/auth/me/absences", headers=anna.headers).json()
    assert dt.datetime.fromisoformat(absence["starts_at"]) == dt.datetime(
        2027, 7, 1, 6, 0, tzinfo=dt.UTC
    )  # 08:00 in Berlin's summer time
    assert absence["substitute_user_id"] == ben.principal.user_id

    backwards = away | {"ends_at": "2027-06-01T08:00"}
    refused = client.post("/profile/absences", data=backwards, headers=anna.headers)
    assert refused.status_code == 422
    assert "Eine Abwesenheit endet nach ihrem Beginn." in refused.text
    to_group = away | {"substitute": f"group:{UNDERWRITERS}", "starts_at": "2027-08-01T08:00",
                       "ends_at": "2027-08-02T08:00"}  # fmt: skip
    assert client.post("/profile/absences", data=to_group, headers=anna.headers).status_code == 200

    withdrawn = client.post(f"/profile/absences/{absence['absence_id']}/withdraw",
                            headers=anna.headers)  # fmt: skip
    assert "Abwesenheit zurückgezogen." in withdrawn.text
    assert len(client.get("/api/auth/me/absences", headers=anna.headers).json()) == 1
    foreign = client.post(f"/profile/absences/{absence['absence_id']}/withdraw",
                          headers=ben.headers)  # fmt: skip
    assert foreign.status_code == 404
