"""The portfolio transfer story through the API: broker and underwriter from adding to binding."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kontor.apps.portfolio_transfer import RunDueCalculations, run_due_work
from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from kontor.platform.notifications import NotificationStore
from kontor.portfolio import HouseholdDetails, PortfolioStore
from support.backends import BACKENDS
from support.transfer import BASE, INSURER, building, household, transfer_world

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def sheet_of(response: Any) -> str:
    """The text of the first sheet of an XLSX download."""
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as workbook:
        return workbook.read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_broker_and_underwriter_take_requests_from_adding_to_bound(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    clock = kontor.clock
    assert isinstance(clock, FakeClock)
    rejected, asked, r3, r4, withdrawn = world.add(
        household("HR-1"), household("HR-2"), household("HR-3"), building("WG-4"),
        household("HR-5"),
    )  # fmt: skip
    assert {world.status(r) for r in (rejected, asked, r3, r4)} == {"Warte auf Anfrage"}
    insurer_list = client.get(f"{BASE}/requests", headers=world.underwriter.headers).json()
    assert insurer_list["items"] == []  # "sieht der Underwriter diese Datensätze noch nicht"
    assert world.seen_by(world.underwriter, r3).status_code == 404

    forwarded = world.bulk("forward", [rejected, asked, r3, r4, withdrawn])
    assert [r["request"]["status"] for r in forwarded] == ["Anfrage"] * 5
    seen = client.get(f"{BASE}/requests", headers=world.underwriter.headers).json()["items"]
    assert sorted(item["label"] for item in seen) == [
        "HR-1 Anna Muster", "HR-2 Anna Muster", "HR-3 Anna Muster", "HR-5 Anna Muster",
        "WG-4 Anna Muster",
    ]  # fmt: skip
    original = world.seen_by(world.broker, r3).json()["contract_id"]
    copy = world.contract(INSURER, world.seen_by(world.underwriter, r3).json()["contract_id"])
    assert copy is not None
    assert copy.origin is not None
    assert (copy.origin.tenant_id, copy.origin.entity_id) == ("makler-a", original)

    assert world.act(rejected, "reject").json()["status"] == "Abgelehnt"
    missing_remark = world.act(asked, "request_information")
    assert (missing_remark.status_code, missing_remark.json()["field"]) == (422, "remark")
    info = world.act(asked, "request_information", remark="Bitte Wohnfläche prüfen").json()
    assert info["status"] == "Informationsbedarf"
    assert world.seen_by(world.broker, asked).json()["remark"] == "Bitte Wohnfläche prüfen"
    interest = world.bulk("set_interest", [r3, r4, withdrawn])
    assert [r["request"]["case_status"] for r in interest] == ["Berechnung ausführen"] * 3

    clock.advance(dt.timedelta(hours=13, minutes=30))  # 22:30 in Berlin
    assert world.run() == {"calculations": 0, "applications": 0}
    assert world.seen_by(world.underwriter, r3).json()["case_status"] == "Berechnung ausführen"
    clock.advance(dt.timedelta(hours=7, minutes=30))  # 06:00 in Berlin, the next day
    assert world.run() == {"calculations": 3, "applications": 0}
    case = world.exact(world.underwriter, r3)
    assert case["case_status"] == "Berechnung erfolgreich"
    assert case["calculation"] == {
        "premium_100": Decimal("122.56"), "previous_premium": Decimal("110.00"),
        "condition_percent": Decimal("-10.25"), "premium": Decimal("110.00"),
        "overridden": False,
    }  # fmt: skip
    assert str(case["calculation"]["premium"]) == "110.00"
    assert world.seen_by(world.broker, r3).json()["proposal"] is None  # not proposed yet

    corrected = world.seen_by(world.broker, asked).json()["contract_id"]
    with kontor.bus.unit_of_work() as uow:  # the broker corrects the living area
        contracts = PortfolioStore(uow.connection, "makler-a").contracts
        before = contracts.get(corrected)
        assert isinstance(before.details, HouseholdDetails)
        details = replace(before.details, living_area=Decimal(95))
        contracts.save(replace(before, details=details), before.version, uow.clock.now())
        uow.commit()
    resolved = world.act(asked, "resolve_information")
    assert resolved.json()["status"] == "Erneute Anfrage"
    copy = world.contract(INSURER, world.seen_by(world.underwriter, asked).json()["contract_id"])
    assert copy is not None
    assert isinstance(copy.details, HouseholdDetails)
    assert copy.details.living_area == Decimal(95)

    refused = world.act(rejected, "propose")
    assert refused.status_code == 409
    assert (refused.json()["current_status"], refused.json()["action"]) == ("Abgelehnt", "propose")
    proposed = world.bulk("propose", [r3, r4])
    assert [r["request"]["status"] for r in proposed] == ["Beantragungswunsch"] * 2
    offer = world.exact(world.broker, r3)
    assert offer["proposal"] == {
        "premium": Decimal("110.00"),
        "condition_percent": Decimal("-10.25"),
    }
    assert "calculation" not in offer or offer["calculation"] is None

    confirmed = world.bulk("confirm_application", [r3, r4])
    assert [r["request"]["status"] for r in confirmed] == ["Beantragt"] * 2
    assert world.seen_by(world.underwriter, r3).json()["case_status"] == (
        "Antragsstellung ausführen"
    )
    assert world.act(r3, "withdraw").status_code == 409  # both sides confirmed

    assert world.act(withdrawn, "withdraw").json()["status"] == "Zurückgezogen"
    gone = world.seen_by(world.underwriter, withdrawn).json()
    assert gone["case_status"] == "Vorgang abgebrochen"
    original = world.seen_by(world.broker, withdrawn).json()["contract_id"]
    assert world.act(withdrawn, "delete").status_code == 204
    assert world.seen_by(world.underwriter, withdrawn).status_code == 404
    assert world.seen_by(world.broker, withdrawn).status_code == 404
    assert world.contract(INSURER, gone["contract_id"]) is None  # the copy is gone
    assert world.contract("makler-a", original) is not None  # the broker keeps its contract

    assert world.run() == {"calculations": 0, "applications": 2}
    assert {world.status(r) for r in (r3, r4)} == {"Gezeichnet"}
    assert world.seen_by(world.underwriter, r4).json()["case_status"] == (
        "Antragsstellung erfolgreich"
    )
    protocol = client.get(f"{BASE}/requests/{r3}/protocol", headers=world.underwriter.headers)
    texts = [entry["text"] for entry in protocol.json()["items"]]
    statuses = [e["data"]["to"] for e in protocol.json()["items"] if e["kind"] == "status"]
    assert statuses == [
        "Warte auf Anfrage", "Anfrage", "Zeichnungsinteresse", "Beantragungswunsch",
        "Akzeptiert", "Beantragt", "Angenommen", "Gezeichnet",
    ]  # fmt: skip
    assert any(text.startswith("getQuote: 100 %-Prämie 122.56 EUR") for text in texts)
    assert any(text.startswith("setOrder: Versicherungsschein") for text in texts)
    broker_view = client.get(f"{BASE}/requests/{r3}/protocol", headers=world.broker.headers)
    assert {entry["kind"] for entry in broker_view.json()["items"]} == {"status"}
    remark = client.get(f"{BASE}/requests/{asked}/protocol", headers=world.broker.headers)
    assert "Bemerkung: Bitte Wohnfläche prüfen" in [e["text"] for e in remark.json()["items"]]

    insurer_sheet = sheet_of(
        client.get(f"{BASE}/protocol/export", headers=world.underwriter.headers)
    )
    assert "getQuote: 100 %-Prämie 122.56 EUR" in insurer_sheet
    assert "HR-3 Anna Muster" in insurer_sheet
    assert "HR-5" not in insurer_sheet  # deleted with its protocol
    broker_sheet = sheet_of(client.get(f"{BASE}/protocol/export", params={"request_id": r3},
                                       headers=world.broker.headers))  # fmt: skip
    assert "Gezeichnet" in broker_sheet
    assert "getQuote" not in broker_sheet

    with kontor.bus.reading() as uow:
        broker_notes = NotificationStore(uow.connection, "makler-a").of_user(
            world.broker.principal.user_id, limit=500
        )
        insurer_notes = NotificationStore(uow.connection, INSURER).of_user(
            world.underwriter.principal.user_id, limit=500
        )
    assert "Umdeckung HR-3 Anna Muster: Gezeichnet" in {n.subject for n in broker_notes}
    assert "Umdeckung HR-3 Anna Muster: Gezeichnet" in {n.subject for n in insurer_notes}
    assert "Umdeckung HR-1 Anna Muster: Warte auf Anfrage" not in {n.subject for n in insurer_notes}


def test_a_rejected_request_can_be_forwarded_again_and_closed(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    [request] = world.add(household("HR-1"))
    world.act(request, "forward")
    world.act(request, "reject")
    assert world.act(request, "forward_again").json()["status"] == "Erneute Anfrage"
    assert world.act(request, "reject").json()["status"] == "Abgelehnt"
    assert world.act(request, "close").json()["status"] == "Erledigt"
    late = world.act(request, "forward_again")
    assert (late.status_code, late.json()["code"]) == (409, "portfolio_transfer.action_not_allowed")


def test_provider_refusals_are_kept_with_the_providers_messages(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    unknown_zone, cheap = world.add(
        household("HR-1", zone="9"), household("HR-2", previous="50.00")
    )
    world.bulk("forward", [unknown_zone, cheap])
    world.bulk("set_interest", [unknown_zone, cheap])
    world.run()
    refused = world.seen_by(world.underwriter, unknown_zone).json()
    assert refused["case_status"] == "Providerablehnung Berechnung"
    assert refused["provider_messages"] == ["Die Tarifzone wird vom Demo-Tarif nicht angeboten"]
    assert world.act(unknown_zone, "propose").status_code == 409

    world.act(cheap, "propose")
    world.act(cheap, "confirm_application")
    world.run()  # a discount of 59 % is beyond what the demo insurer places
    case = world.seen_by(world.underwriter, cheap).json()
    assert case["case_status"] == "Providerablehnung Antrag"
    assert case["provider_messages"] == ["Rabatt über 40 % ist nicht zeichenbar"]
    assert world.status(cheap) == "Beantragt"
    assert world.act(cheap, "manual_placement").json()["status"] == "Manuelle Zeichnung"


def test_the_underwriter_overrides_the_condition_for_several_cases(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    requests = world.add(household("HR-1"), household("HR-2"))
    world.bulk("forward", requests)
    world.bulk("set_interest", requests)
    world.run()
    overridden = world.bulk("override_condition", requests, condition_percent="-5")
    for result in overridden:
        calculation = result["request"]["calculation"]
        assert calculation["condition_percent"] == Decimal("-5.00")
        assert calculation["premium"] == Decimal("116.43")
        assert calculation["overridden"] is True
    [waiting] = world.add(household("HR-3"))
    world.act(waiting, "forward")
    world.act(waiting, "set_interest")  # waits for the next run
    at_once = world.act(waiting, "override_condition", condition_percent="-5")
    assert at_once.json()["case_status"] == "Berechnung erfolgreich"
    assert world.exact(world.underwriter, waiting)["calculation"]["premium"] == Decimal("116.43")
    calculator = world.act(requests[1], "calculate")  # again, with the override kept
    assert world.exact(world.underwriter, requests[1])["calculation"]["overridden"] is True
    assert calculator.json()["case_status"] == "Berechnung erfolgreich"
    no_condition = world.act(requests[0], "override_condition")
    assert (no_condition.status_code, no_condition.json()["field"]) == (422, "condition_percent")
    url = f"{BASE}/requests/{requests[0]}/set_interest"
    by_broker = world.client.post(url, json={}, headers=world.broker.headers)
    assert (by_broker.status_code, by_broker.json()["action"]) == (403, "set_interest")
    again = world.act(requests[0], "set_interest")  # by the underwriter: interest is set already
    assert (again.status_code, again.json()["current_status"]) == (409, "Zeichnungsinteresse")


def test_a_run_takes_its_cases_in_batches_until_every_due_case_had_its_turn(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    requests = world.add(*(household(f"HR-{n}") for n in range(5)))
    world.bulk("forward", requests)
    world.bulk("set_interest", requests)
    now = kontor.clock.now()

    assert kontor.bus.handle(RunDueCalculations(tenant_id=INSURER, now=now, limit=2)) == 2
    first = sorted(world.seen_by(world.underwriter, r).json()["case_status"] for r in requests)
    assert first == ["Berechnung ausführen"] * 3 + ["Berechnung erfolgreich"] * 2
    assert run_due_work(kontor.bus, now, batch=2) == {"calculations": 3, "applications": 0}
    cases = {world.seen_by(world.underwriter, r).json()["case_status"] for r in requests}
    assert cases == {"Berechnung erfolgreich"}
