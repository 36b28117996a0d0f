"""Default values and automatic rejection criteria: set by the underwriter, applied on arrival."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from kontor.bootstrap import Kontor
from kontor.portfolio import HouseholdDetails
from support.backends import BACKENDS
from support.transfer import BASE, INSURER, building, household, transfer_world

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

SETTINGS = f"{BASE}/settings"
BIG_HOUSEHOLD = {
    "name": "Hausrat über 300 m²",
    "criteria": [
        {"field": "Sparte", "operator": "=", "value": "household"},
        {"field": "Wohnflaeche", "operator": ">", "value": "300"},
    ],
}


def large(policy: str, area: int, maker: object = household) -> dict[str, object]:
    """A contract of ``maker`` with ``area`` m² living area."""
    data = maker(policy)  # type: ignore[operator]
    data["details"] = {**data["details"], "living_area": Decimal(area)}
    return dict(data)


def test_underwriter_sets_a_default_and_a_criteria_set_forwarded_contracts_follow_them(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    uw = world.underwriter.headers
    default = {"field": "Tarifzone", "value": "2", "overwrite": False}
    saved = client.put(f"{SETTINGS}/default-values", json={"items": [default]}, headers=uw)
    assert saved.status_code == 200, saved.text
    saved = client.put(
        f"{SETTINGS}/rejection-criteria", json={"items": [BIG_HOUSEHOLD]}, headers=uw
    )
    assert saved.status_code == 200, saved.text
    assert client.get(f"{SETTINGS}/rejection-criteria", headers=uw).json() == {
        "items": [BIG_HOUSEHOLD]
    }

    no_zone, big, big_building = world.add(
        household("HR-1", zone=""), large("HR-2", 350), large("WG-3", 350, building)
    )
    results = world.bulk("forward", [no_zone, big, big_building])
    assert [r["request"]["status"] for r in results] == ["Anfrage", "Abgelehnt", "Anfrage"]

    copy_id = world.seen_by(world.underwriter, no_zone).json()["contract_id"]
    copy = world.contract(INSURER, copy_id)
    assert copy is not None
    assert isinstance(copy.details, HouseholdDetails)
    assert copy.details.tariff_zone == "2"
    original_id = world.seen_by(world.broker, no_zone).json()["contract_id"]
    original = world.contract("makler-a", original_id)
    assert original is not None
    assert isinstance(original.details, HouseholdDetails)
    assert original.details.tariff_zone in (None, "")  # the broker's own data stays
    protocol = client.get(f"{BASE}/requests/{no_zone}/protocol", headers=uw).json()["items"]
    assert "Standardwert: Tarifzone leer → 2 (vorbelegt)" in [e["text"] for e in protocol]
    broker_protocol = client.get(
        f"{BASE}/requests/{no_zone}/protocol", headers=world.broker.headers
    ).json()["items"]
    assert not [e for e in broker_protocol if e["kind"] == "default"]

    rejected = world.seen_by(world.broker, big).json()
    assert rejected["remark"] == "Automatische Ablehnung: Kriteriensatz 'Hausrat über 300 m²'"
    decisions = client.get(
        "/api/rules/decisions", headers=world.admin.headers,
        params={"hook": "portfolio_transfer.auto_reject"},
    )  # fmt: skip
    assert decisions.status_code == 200, decisions.text

    # the broker corrects nothing and forwards again: rejected again on arrival
    again = world.act(big, "forward_again")
    assert again.json()["status"] == "Abgelehnt"


def test_an_administrator_edits_the_criteria_as_a_decision_table(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    uw, admin = world.underwriter.headers, world.admin.headers
    client.put(f"{SETTINGS}/rejection-criteria", json={"items": [BIG_HOUSEHOLD]}, headers=uw)
    hooks = {h["name"]: h for h in client.get("/api/rules/hooks", headers=admin).json()}
    bound = hooks["portfolio_transfer.auto_reject"]["binding"]
    assert bound["model_key"] == "portfolio_transfer_auto_reject"
    xml = client.get(
        "/api/rules/deployments/portfolio_transfer_auto_reject/1", headers=admin
    ).json()["xml"]
    edited = xml.replace("&gt; 300", "&gt; 400")
    assert edited != xml
    deployed = client.post(
        "/api/rules/deployments", content=edited.encode(),
        headers={**admin, "content-type": "application/xml"},
    )  # fmt: skip
    assert deployed.status_code == 201, deployed.text
    criteria = client.get(f"{SETTINGS}/rejection-criteria", headers=uw).json()["items"]
    assert criteria[0]["criteria"][1] == {"field": "Wohnflaeche", "operator": ">", "value": "400"}

    kept, rejected = world.add(large("HR-1", 350), large("HR-2", 450))
    results = world.bulk("forward", [kept, rejected])
    assert [r["request"]["status"] for r in results] == ["Anfrage", "Abgelehnt"]


def test_overwrite_defaults_bad_input_and_the_broker_side(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    uw = world.underwriter.headers
    overwrite = {"field": "Versicherungssumme", "value": "70000", "overwrite": True,
                 "line": "household"}  # fmt: skip
    assert (
        client.put(
            f"{SETTINGS}/default-values", json={"items": [overwrite]}, headers=uw
        ).status_code
        == 200
    )
    bad_set = {"name": "Zu groß", "criteria": [{"field": "Wohnflaeche", "operator": ">",
                                                "value": "viel"}]}  # fmt: skip
    refused = client.put(f"{SETTINGS}/rejection-criteria", json={"items": [bad_set]}, headers=uw)
    assert refused.status_code == 422
    assert refused.json()["field"] == "sets[0].criteria[0].value"
    assert client.get(f"{SETTINGS}/rejection-criteria", headers=uw).json() == {"items": []}
    unknown = {"field": "Sparte", "value": "household"}
    refused = client.put(f"{SETTINGS}/default-values", json={"items": [unknown]}, headers=uw)
    assert (refused.status_code, refused.json()["field"]) == (422, "defaults[0].field")

    broker = world.broker.headers
    assert client.get(f"{SETTINGS}/default-values", headers=broker).status_code == 403
    put = client.put(f"{SETTINGS}/default-values", json={"items": [overwrite]}, headers=broker)
    assert put.status_code == 403

    (request_id,) = world.add(household("HR-9"))
    assert world.act(request_id, "forward").json()["status"] == "Anfrage"
    copy_id = world.seen_by(world.underwriter, request_id).json()["contract_id"]
    copy = world.contract(INSURER, copy_id)
    assert copy is not None
    assert isinstance(copy.details, HouseholdDetails)
    assert copy.details.sum_insured == Decimal(70000)
    protocol = client.get(f"{BASE}/requests/{request_id}/protocol", headers=uw).json()["items"]
    assert "Standardwert: Versicherungssumme (EUR) 65000.00 → 70000 (überschrieben)" in [
        e["text"] for e in protocol
    ]

    cleared = client.put(f"{SETTINGS}/default-values", json={"items": []}, headers=uw)
    assert cleared.json() == {"items": []}
    (second,) = world.add(household("HR-10"))
    world.act(second, "forward")
    copy = world.contract(INSURER, world.seen_by(world.underwriter, second).json()["contract_id"])
    assert copy is not None
    assert isinstance(copy.details, HouseholdDetails)
    assert copy.details.sum_insured == Decimal(65000)
