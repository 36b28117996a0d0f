"""The Umdeckung screens over HTTP on SQLite and PostgreSQL: each side's menu entries and rows,
German words and money, right-click functions per row, another tenant's requests not found."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.platform import BROKERS, UNDERWRITERS, TenantKind
from kontor.settings import Environment, Settings
from kontor.web import create_app
from support.backends import BACKENDS
from support.identity import Caller, api_caller
from support.tenant_world import broker, portfolio_world, transfer_request_of

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
APP = "/apps/portfolio_transfer"


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    settings = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests")
    return bootstrap(settings, engine=engine, clock=FakeClock())


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with TestClient(create_app(kontor.settings, kontor)) as test_client:
        yield test_client


def forwarded(kontor: Kontor, client: TestClient) -> tuple[Caller, Caller, str]:
    """A broker with a contract forwarded to its insurer, the insurer's underwriter, the id."""
    b = broker(kontor, "makler-b")
    contract = portfolio_world(client, b)["contract_id"]
    request_id = transfer_request_of(kontor, client, b, contract)
    underwriter = api_caller(
        kontor, "insurer-of-makler-b", kind=TenantKind.INSURER, group=UNDERWRITERS
    )
    return b, underwriter, request_id


def test_each_side_sees_its_menu_entries(kontor: Kontor, client: TestClient) -> None:
    _b, underwriter, _ = forwarded(kontor, client)
    vermittler = api_caller(kontor, "makler-b", kind=TenantKind.BROKER, group=BROKERS,
                            login="max@makler-b.test")  # fmt: skip
    as_broker = client.get(f"{APP}", headers=vermittler.headers).text
    assert "Verträge" in as_broker
    assert "Underwriter-App" not in as_broker
    as_underwriter = client.get(f"{APP}", headers=underwriter.headers).text
    assert "Zeichnungsvorgänge" in as_underwriter
    assert "Verträge" not in as_underwriter


def test_the_broker_and_the_underwriter_see_the_request_in_their_tables(
    kontor: Kontor, client: TestClient
) -> None:
    b, underwriter, request_id = forwarded(kontor, client)
    contracts = client.get(f"{APP}/contracts", headers=b.headers).text
    assert "Beispiel, Bea" in contracts
    assert "Hausrat" in contracts
    assert "100,00\xa0€" in contracts
    assert "Anfrage" in contracts
    requests = client.get(f"{APP}/requests?q=hausrat", headers=b.headers).text
    assert "B-1" in requests
    assert "Anfrage" in requests
    refused = client.post(
        f"{APP}/requests/actions", data={"action": "delete", "ids": [request_id]}, headers=b.headers
    )
    assert "B-1 – Nicht möglich:" in refused.text
    assert "&#39;Anfrage&#39; erlaubt die Aktion &#39;Löschen&#39;" in refused.text
    incoming = client.get(f"{APP}/incoming?f_status=Anfrage", headers=underwriter.headers).text
    assert "B-1" in incoming
    assert "Beispiel, Bea" in incoming
    interest = client.post(f"{APP}/incoming/actions", headers=underwriter.headers,
                           data={"action": "set_interest", "ids": [request_id]})  # fmt: skip
    assert "B-1 – Erledigt." in interest.text
    calculated = client.post(f"{APP}/cases/actions", headers=underwriter.headers,
                             data={"action": "calculate", "ids": [request_id]})  # fmt: skip
    assert "B-1 – Erledigt." in calculated.text
    cases = client.get(f"{APP}/cases", headers=underwriter.headers).text
    assert "Providerablehnung Berechnung" in cases  # the demo tariff needs a sum insured
    detail = client.get(f"{APP}/request/{request_id}", headers=underwriter.headers).text
    assert "EFLS (Einbruchdiebstahl, Feuer, Leitungswasser, Sturm)" in detail
    assert "Zeichnungsinteresse" in detail  # the protocol


def test_another_tenants_request_is_not_found(kontor: Kontor, client: TestClient) -> None:
    _b, _underwriter, request_id = forwarded(kontor, client)
    a = broker(kontor, "makler-a")
    answer = client.post(
        f"{APP}/requests/actions", data={"action": "forward", "ids": [request_id]},
        headers=a.headers,
    )  # fmt: skip
    assert f"{request_id} – Nicht gefunden." in answer.text
    assert client.get(f"{APP}/request/{request_id}", headers=a.headers).status_code == 404
    assert "B-1" not in client.get(f"{APP}/requests", headers=a.headers).text


def test_an_empty_upload_is_refused_in_german_and_nothing_runs(
    kontor: Kontor, client: TestClient
) -> None:
    b = broker(kontor, "makler-b")
    form = client.get(f"{APP}/imports/upload", headers=b.headers)
    assert form.status_code == 200
    assert "GDV-Datei" in form.text
    refused = client.post(
        f"{APP}/imports/upload", files={"file": ("leer.gdv", b"")}, headers=b.headers
    )
    assert refused.status_code == 422
    assert "Bitte eine GDV-Datei wählen" in refused.text
    assert "bestand" not in client.get(f"{APP}/imports", headers=b.headers).text
    assert "Keine Einträge." in client.get(f"{APP}/imports", headers=b.headers).text
