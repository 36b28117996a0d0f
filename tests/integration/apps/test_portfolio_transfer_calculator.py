"""The tariff calculator: all products or the chosen one with changed inputs; saving the inputs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from kontor.bootstrap import Kontor
from kontor.db.json_codec import loads
from kontor.portfolio import HouseholdDetails
from support.backends import BACKENDS
from support.transfer import BASE, INSURER, household, insurer_with_broker, transfer_world

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def test_the_underwriter_calculates_with_changed_inputs_and_saves_them_onto_the_case(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    uw = world.underwriter.headers
    case, waiting = world.add(household("HR-1"), household("HR-2"))
    world.bulk("forward", [case, waiting])
    world.act(case, "set_interest")
    world.run()
    url = f"{BASE}/requests/{case}"

    prefilled = loads(client.get(f"{url}/calculator", headers=uw).text)
    assert prefilled["inputs"]["Wohnflaeche"] == Decimal(80)
    assert prefilled["inputs"]["Tarifzone"] == 2
    assert prefilled["products"] == {"household": "Hausrat", "residential_building": "Wohngebäude"}

    every = client.post(f"{url}/calculator", json={}, headers=uw)
    assert every.status_code == 200, every.text
    results = loads(every.text)["results"]
    assert [r["label"] for r in results] == ["Hausrat", "Wohngebäude"]
    assert results[0]["calculation"]["premium_100"] == Decimal("122.56")
    assert results[1]["calculation"] is not None or results[1]["refusals"]

    body = {"product": "household", "inputs": {"Wohnflaeche": "120"}}
    one = loads(client.post(f"{url}/calculator", json=body, headers=uw).text)
    assert [r["product"] for r in one["results"]] == ["household"]
    premium_at_120 = one["results"][0]["calculation"]["premium_100"]
    assert premium_at_120 > Decimal("122.56")
    copy_id = world.seen_by(world.underwriter, case).json()["contract_id"]
    copy = world.contract(INSURER, copy_id)
    assert copy is not None
    assert isinstance(copy.details, HouseholdDetails)
    assert copy.details.living_area == Decimal(80)  # calculating stores nothing

    saved = client.post(f"{url}/case-data", json={"inputs": {"Wohnflaeche": "120"}}, headers=uw)
    assert saved.status_code == 200, saved.text
    after = loads(saved.text)
    assert after["case_status"] == "Berechnung erfolgreich"
    assert after["calculation"]["premium_100"] == premium_at_120
    copy = world.contract(INSURER, copy_id)
    assert copy is not None
    assert isinstance(copy.details, HouseholdDetails)
    assert copy.details.living_area == Decimal(120)
    original = world.contract("makler-a", world.seen_by(world.broker, case).json()["contract_id"])
    assert original is not None
    assert isinstance(original.details, HouseholdDetails)
    assert original.details.living_area == Decimal(80)  # the broker keeps its data
    protocol = client.get(f"{url}/protocol", headers=uw).json()["items"]
    assert "Vorgangsdaten gespeichert: Wohnfläche (m²) 80.00 → 120" in [e["text"] for e in protocol]
    broker_protocol = client.get(f"{url}/protocol", headers=world.broker.headers).json()["items"]
    assert not [e for e in broker_protocol if e["kind"] == "case_data"]

    bad = client.post(f"{url}/calculator", json={"inputs": {"Wohnflaeche": "viel"}}, headers=uw)
    assert (bad.status_code, bad.json()["field"]) == (422, "inputs.Wohnflaeche")
    bad = client.post(f"{url}/calculator", json={"product": "kfz"}, headers=uw)
    assert (bad.status_code, bad.json()["field"]) == (422, "product")
    bad = client.post(f"{url}/case-data", json={"inputs": {"Tarifzone": "2,5"}}, headers=uw)
    assert (bad.status_code, bad.json()["field"]) == (422, "inputs.Tarifzone")
    copy = world.contract(INSURER, copy_id)
    assert copy is not None
    assert isinstance(copy.details, HouseholdDetails)
    assert copy.details.tariff_zone == "2"  # nothing partial stored
    no_case = client.post(f"{BASE}/requests/{waiting}/calculator", json={}, headers=uw)
    assert no_case.status_code == 409
    as_broker = client.post(f"{url}/calculator", json={}, headers=world.broker.headers)
    assert as_broker.status_code == 403
    other = insurer_with_broker(kontor, "makler-b")
    assert client.get(f"{url}/calculator", headers=other.headers).status_code == 404
    assert (
        client.post(f"{url}/case-data", json={"inputs": {}}, headers=other.headers).status_code
        == 404
    )


def test_the_discount_override_answers_per_row(kontor: Kontor, client: TestClient) -> None:
    world = transfer_world(kontor, client)
    first, second, not_yet = world.add(household("HR-1"), household("HR-2"), household("HR-3"))
    world.bulk("forward", [first, second, not_yet])
    world.bulk("set_interest", [first, second])
    results = world.bulk("override_condition", [first, second, not_yet], condition_percent="-5")
    assert [r["ok"] for r in results] == [True, True, False]
    assert results[0]["request"]["calculation"]["condition_percent"] == Decimal("-5.00")
    assert results[0]["request"]["calculation"]["overridden"] is True
    assert results[2]["problem"]["status"] == 409
