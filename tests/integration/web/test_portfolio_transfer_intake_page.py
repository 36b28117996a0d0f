"""The page of default values and rejection criteria over HTTP: saving, reading back, refusals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from support.backends import BACKENDS
from support.kontor_app import app_client, kontor_on
from support.transfer import BASE, INSIDE_WINDOW, household, transfer_world

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
PAGE = "/apps/portfolio_transfer/intake"


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine, FakeClock(INSIDE_WINDOW))


@pytest.fixture
def client(kontor: Kontor) -> Iterator[TestClient]:
    with app_client(kontor, pages=True) as test_client:
        yield test_client


def test_the_underwriter_keeps_defaults_and_criteria_on_the_page(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    uw = world.underwriter.headers
    toolbar = client.get("/apps/portfolio_transfer/incoming", headers=uw).text
    assert f'href="{PAGE}"' in toolbar
    page = client.get(PAGE, headers=uw)
    assert page.status_code == 200
    assert "Automatische Ablehnung" in page.text

    saved = client.post(
        f"{PAGE}/defaults", headers=uw,
        data={"d0_field": "Tarifzone", "d0_value": "2", "d0_mode": "leer", "d0_line": "",
              "d1_field": "", "d1_value": "", "d1_mode": "leer", "d1_line": ""},
    )  # fmt: skip
    assert saved.status_code == 200
    assert "Standardwerte gespeichert." in saved.text
    form = {
        "s0_name": "Große Wohnung",
        "s0_c0_field": "Sparte", "s0_c0_op": "=", "s0_c0_value": "Hausrat",
        "s0_c1_field": "Wohnflaeche", "s0_c1_op": ">", "s0_c1_value": "300",
        "s0_c2_field": "", "s0_c2_op": "=", "s0_c2_value": "",
        "s1_name": "", "s1_c0_field": "", "s1_c0_op": "=", "s1_c0_value": "",
    }  # fmt: skip
    saved = client.post(f"{PAGE}/criteria", headers=uw, data=form)
    assert "Ablehnungskriterien gespeichert." in saved.text
    api = client.get(f"{BASE}/settings/rejection-criteria", headers=uw).json()["items"]
    assert api[0]["criteria"][0] == {"field": "Sparte", "operator": "=", "value": "household"}
    shown = client.get(PAGE, headers=uw).text
    assert 'value="Große Wohnung"' in shown
    assert 'value="Hausrat"' in shown  # the Sparte in German again

    bad = {**form, "s0_c1_value": "sehr groß"}
    refused = client.post(f"{PAGE}/criteria", headers=uw, data=bad)
    assert refused.status_code == 422
    assert "Wohnfläche (m²): &#39;sehr groß&#39; ist keine Zahl" in refused.text
    assert 'value="sehr groß"' in refused.text  # the input stays in the form
    kept = client.get(f"{BASE}/settings/rejection-criteria", headers=uw).json()["items"]
    assert kept == api  # nothing stored

    (request_id,) = world.add(household("HR-1", zone=""))
    world.act(request_id, "forward")
    protocol = client.get(f"{BASE}/requests/{request_id}/protocol", headers=uw).json()["items"]
    assert "Standardwert: Tarifzone leer → 2 (vorbelegt)" in [e["text"] for e in protocol]


def test_the_broker_has_no_such_page(kontor: Kontor, client: TestClient) -> None:
    world = transfer_world(kontor, client)
    menu = client.get("/apps/portfolio_transfer", headers=world.broker.headers).text
    assert "Standardwerte und Ablehnungskriterien" not in menu
    assert "Underwriter-App" not in menu
    page = client.get(PAGE, headers=world.broker.headers)
    assert page.status_code == 403
    refused = client.post(
        f"{PAGE}/defaults", headers=world.broker.headers,
        data={"d0_field": "Tarifzone", "d0_value": "2", "d0_mode": "leer", "d0_line": ""},
    )  # fmt: skip
    assert refused.status_code == 403
