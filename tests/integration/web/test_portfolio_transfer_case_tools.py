"""The Tarifrechner and the discount override pages over HTTP: results per product and per row."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from support.backends import BACKENDS
from support.kontor_app import app_client, kontor_on
from support.transfer import INSIDE_WINDOW, household, insurer_with_broker, transfer_world

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
APP = "/apps/portfolio_transfer"


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine, FakeClock(INSIDE_WINDOW))


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor, pages=True) as test_client:
        yield test_client


def test_the_calculator_page_calculates_and_saves_the_case_data(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    uw = world.underwriter.headers
    case, no_case = world.add(household("HR-1"), household("HR-2"))
    world.bulk("forward", [case, no_case])
    world.act(case, "set_interest")
    world.run()
    detail = client.get(f"{APP}/request/{case}", headers=uw).text
    assert f'href="{APP}/calculator/{case}"' in detail
    assert (
        "Tarifrechner" not in client.get(f"{APP}/request/{case}", headers=world.broker.headers).text
    )

    page = client.get(f"{APP}/calculator/{case}", headers=uw)
    assert page.status_code == 200
    assert 'value="80"' in page.text
    form = {
        "product": "", "in_Tarifzone": "2", "in_Wohnflaeche": "80",
        "in_Versicherungssumme": "65000", "in_Wert1914": "0", "in_Gefahren": "FELSH",
    }  # fmt: skip
    both = client.post(f"{APP}/calculator/{case}/calculate", headers=uw, data=form).text
    assert "Prämienübersicht" in both
    assert "122,56\xa0€" in both
    assert 'data-product="residential_building"' in both
    one = client.post(
        f"{APP}/calculator/{case}/calculate", headers=uw,
        data={**form, "product": "household", "in_Wohnflaeche": "120"},
    ).text  # fmt: skip
    assert "124,98\xa0€" in one
    assert 'data-product="residential_building"' not in one
    saved = client.post(
        f"{APP}/calculator/{case}/save", headers=uw, data={**form, "in_Wohnflaeche": "120"}
    ).text
    assert "Vorgangsdaten gespeichert (Wohnfläche (m²) 120)" in saved
    assert "Berechnung erfolgreich" in saved
    again = client.get(f"{APP}/calculator/{case}", headers=uw).text
    assert 'value="120"' in again
    bad = client.post(
        f"{APP}/calculator/{case}/calculate", headers=uw, data={**form, "in_Wohnflaeche": "x"}
    )
    assert bad.status_code == 422
    assert "keine Zahl" in bad.text

    assert client.get(f"{APP}/calculator/{no_case}", headers=uw).status_code == 409
    other = insurer_with_broker(kontor, "makler-b")
    assert client.get(f"{APP}/calculator/{case}", headers=other.headers).status_code == 404


def test_the_discount_override_gives_a_result_per_selected_case(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    uw = world.underwriter.headers
    first, second = world.add(household("HR-1"), household("HR-2"))
    world.bulk("forward", [first, second])
    world.bulk("set_interest", [first, second])
    cases = client.get(f"{APP}/cases", headers=uw).text
    assert "Rabatt überschreiben" in cases
    page = client.get(f"{APP}/cases/override?ids={first}", headers=uw).text
    assert f'value="{first}" id="case-{first}" checked' in page
    done = client.post(
        f"{APP}/cases/override", headers=uw,
        data={"condition_percent": "-5", "ids": [first, second, "unknown"]},
    )  # fmt: skip
    assert done.status_code == 200
    assert done.text.count("Kondition -5.00 %") == 2
    assert "unknown – Nicht gefunden." in done.text
    refused = client.post(
        f"{APP}/cases/override", headers=uw, data={"condition_percent": "viel", "ids": [first]}
    )
    assert refused.status_code == 422
    assert "Bitte die Kondition in Prozent angeben" in refused.text
