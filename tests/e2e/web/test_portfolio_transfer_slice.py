"""The Umdeckung story in a real browser: the broker adds contracts and forwards them, the
underwriter sets interest, calculates and proposes, the broker confirms, and the server's
background run places the application until the request shows *Gezeichnet*."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from support.browser import add_user, axe_violations, follow, require_browser, screenshot, sign_in
from support.gdv_files import household_file
from support.messaging import WAIT_BOUND_SECONDS
from support.server import ALWAYS, KONTOR, Server, kontor_env, running_server
from support.tables import cells, run_on_row, run_on_selection, status_of, wait_for_status

INSURER, BROKER = "versicherung-uw", "makler-uw"
UNDERWRITER = ("uwe@versicherung.example", "ein langes Passwort für Uwe")
BROKER_USER = ("max@makler.example", "ein langes Passwort für Max")
APP = "/apps/portfolio_transfer"
CONTRACTS = (
    ({"first_name": "Anna", "last_name": "Müller", "date_of_birth": "1980-02-03"},
     {"line_of_business_code": "130", "policy_number": "HR-100234",
      "annual_premium_gross": "189.37", "validity_date": "2026-01-01",
      "details": {"kind": "household", "risk_text": "EFLSU", "living_area": "84.5",
                  "tariff_zone": "3", "sum_insured": "65000"}}),
    ({"first_name": "Jürgen", "last_name": "Schröder", "date_of_birth": "1965-11-20"},
     {"line_of_business_code": "130", "policy_number": "HR-100871",
      "annual_premium_gross": "254.90", "validity_date": "2026-01-01",
      "details": {"kind": "household", "risk_text": "BEFGLSU", "living_area": "120",
                  "tariff_zone": "2", "sum_insured": "90000"}}),
)  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose background loop runs the due calculations and applications every second."""
    require_browser()
    data_dir: Path = tmp_path_factory.mktemp("transfer")
    env = kontor_env(
        data_dir,
        KONTOR_PORTFOLIO_TRANSFER_RUN_SECONDS="1",
        KONTOR_PORTFOLIO_TRANSFER_CALCULATION_WINDOW=ALWAYS,
        KONTOR_IMPORT_POLL_SECONDS="1",
    )
    with running_server(env) as running:
        _insurer_with_broker(running)
        yield running


def _insurer_with_broker(server: Server) -> None:
    """An insurer with an underwriter; a broker under it with two Hausrat contracts."""
    for command in (
        ["tenant", "create", INSURER, "--name", "Versicherung UW", "--kind", "insurer"],
        ["tenant", "create", BROKER, "--name", "Makler UW", "--kind", "broker",
         "--parent", INSURER],
        ["transfer", "install", INSURER],
        ["transfer", "install", BROKER],
    ):  # fmt: skip
        subprocess.run([*KONTOR, *command], env=server.env, check=True, capture_output=True)
    add_user(server, INSURER, "insurer", *UNDERWRITER[:1], "underwriters", UNDERWRITER[1])
    add_user(server, BROKER, "broker", *BROKER_USER[:1], "vermittler", BROKER_USER[1])
    with httpx.Client(base_url=server.base, timeout=WAIT_BOUND_SECONDS) as client:
        login = {"login": BROKER_USER[0], "password": BROKER_USER[1]}
        session = client.post("/api/auth/login", json=login)
        assert session.status_code == 200, session.text
        csrf = {"X-CSRF-Token": session.json()["csrf_token"]}
        for person, contract in CONTRACTS:
            customer = client.post("/api/portfolio/customers", json=person, headers=csrf)
            assert customer.status_code == 201, customer.text
            body = {**contract, "customer_id": customer.json()["customer_id"],
                    "insurer_name": "Alte Sach Versicherung AG"}  # fmt: skip
            added = client.post("/api/portfolio/contracts", json=body, headers=csrf)
            assert added.status_code == 201, added.text


@pytest.fixture
def underwriter_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin",
                                  viewport={"width": 1400, "height": 800})  # fmt: skip
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_contract_goes_from_the_brokers_portfolio_to_gezeichnet(
    server: Server, page: Any, underwriter_page: Any
) -> None:
    broker, uw = page, underwriter_page
    base = server.base
    # the broker: Verträge → Zur Umdeckung hinzufügen (both, from the selection)
    sign_in(broker, base, *BROKER_USER)
    follow(broker.get_by_role("link", name="Umdeckung").first)
    entries = broker.locator(".tiles .tile-title").all_inner_texts()
    assert entries == ["Datenimport", "Verträge", "Umdeckung", "Schadenquoten"]
    follow(broker.get_by_role("link", name="Verträge"))
    assert sorted(cells(broker, 3)) == ["HR-100234", "HR-100871"]
    assert cells(broker, 2) == ["Hausrat", "Hausrat"]
    assert status_of(broker, "HR-100234", "Beitrag") == "189,37 €"
    assert status_of(broker, "HR-100234", "Gültigkeitsstichtag") == "01.01.2026"
    assert axe_violations(broker) == []
    added = run_on_selection(broker, ["HR-100234", "HR-100871"], "Zur Umdeckung hinzufügen")
    assert added == ["Müller, Anna – Erledigt.", "Schröder, Jürgen – Erledigt."]
    broker.wait_for_function(
        "() => document.querySelector('#table-area tbody').textContent.includes('Warte auf')"
    )
    screenshot(broker, "transfer-contracts")

    # Umdeckung: forward both; a forbidden action comes back per row with the reason
    broker.goto(f"{base}{APP}/requests")
    assert status_of(broker, "HR-100234") == "Warte auf Anfrage"
    forwarded = run_on_selection(broker, ["HR-100234", "HR-100871"], "Zur Anfrage weiterleiten")
    assert forwarded == ["HR-100234 – Erledigt.", "HR-100871 – Erledigt."]
    broker.reload()
    assert [status_of(broker, p) for p in ("HR-100234", "HR-100871")] == ["Anfrage"] * 2
    [refused] = run_on_row(broker, "HR-100234", "Löschen")
    assert refused.startswith("HR-100234 – Nicht möglich:")
    assert "'Anfrage' erlaubt die Aktion 'Löschen'" in refused
    assert axe_violations(broker) == []

    # the underwriter: interest for one, information needed (with a remark) for the other
    sign_in(uw, base, *UNDERWRITER)
    follow(uw.get_by_role("link", name="Umdeckung").first)
    assert uw.locator(".tiles .tile-title").all_inner_texts() == [
        "Underwriter-App", "Zeichnungsvorgänge", "Schadenquoten der Makler",
    ]  # fmt: skip
    follow(uw.get_by_role("link", name="Underwriter-App"))
    assert sorted(cells(uw, 1)) == ["HR-100234", "HR-100871"]
    assert run_on_row(uw, "HR-100234", "Zeichnungsinteresse setzen") == ["HR-100234 – Erledigt."]
    asked = run_on_row(uw, "HR-100871", "Informationsbedarf melden", "Bitte Vorschäden angeben")
    assert asked == ["HR-100871 – Erledigt."]
    uw.reload()
    assert status_of(uw, "HR-100234") == "Zeichnungsinteresse"
    assert status_of(uw, "HR-100871") == "Informationsbedarf"
    assert axe_violations(uw) == []

    # Zeichnungsvorgänge: Berechnung starten, then Beantragung
    uw.goto(f"{base}{APP}/cases")
    assert cells(uw, 1) == ["HR-100234"]
    assert run_on_row(uw, "HR-100234", "Berechnung starten") == ["HR-100234 – Erledigt."]
    wait_for_status(uw, "HR-100234", "Berechnung erfolgreich", "Technischer Status")
    assert status_of(uw, "HR-100234", "100 %-Prämie").endswith("€")
    assert run_on_row(uw, "HR-100234", "Beantragung") == ["HR-100234 – Erledigt."]
    uw.reload()
    assert status_of(uw, "HR-100234") == "Beantragungswunsch"
    screenshot(uw, "transfer-underwriting-cases")
    assert axe_violations(uw) == []
    follow(uw.get_by_role("link", name="HR-100234"))
    risk = uw.locator("dd", has_text="EFLSU").inner_text()
    assert risk == "EFLSU (Einbruchdiebstahl, Feuer, Leitungswasser, Sturm, Überspannung)"
    assert axe_violations(uw) == []

    # the broker sees the proposal and the remark, and confirms: Beantragung ausführen
    broker.goto(f"{base}{APP}/requests")
    assert status_of(broker, "HR-100234") == "Beantragungswunsch"
    assert status_of(broker, "HR-100234", "Vorgeschlagene Prämie").endswith("€")
    assert status_of(broker, "HR-100871") == "Informationsbedarf"
    assert status_of(broker, "HR-100871", "Bemerkung") == "Bitte Vorschäden angeben"
    done = run_on_row(broker, "HR-100234", "Beantragung ausführen")
    assert done == ["HR-100234 – Erledigt."]
    wait_for_status(broker, "HR-100234", "Gezeichnet")  # placed by the background run
    screenshot(broker, "transfer-requests")
    follow(broker.get_by_role("link", name="HR-100234"))
    protocol = " ".join(broker.locator("table").last.all_inner_texts())
    for status in ("Anfrage", "Zeichnungsinteresse", "Beantragungswunsch", "Akzeptiert",
                   "Beantragt", "Angenommen", "Gezeichnet"):  # fmt: skip
        assert status in protocol
    screenshot(broker, "transfer-request-protocol")
    assert axe_violations(broker) == []


def test_the_broker_uploads_a_gdv_file_and_watches_its_run_to_step_9(
    server: Server, page: Any, tmp_path: Path
) -> None:
    upload = tmp_path / "bestand.gdv"
    upload.write_bytes(household_file(dt.date(2026, 11, 2), contracts=2))
    sign_in(page, server.base, *BROKER_USER)
    follow(page.get_by_role("link", name="Umdeckung").first)
    follow(page.get_by_role("link", name="Datenimport"))
    page.get_by_label("GDV-Datei").set_input_files(str(upload))
    page.get_by_role("button", name="Hochladen").click()
    message = page.locator("#upload-result .message")
    message.wait_for()
    assert message.inner_text().startswith("Hochgeladen: bestand.gdv – Schritt 0/9")
    assert axe_violations(page) == []
    follow(page.get_by_role("link", name="Zu den Importläufen"))
    wait_for_status(page, "bestand.gdv", "fertig", "Stand")  # the background runner's work
    assert status_of(page, "bestand.gdv", "Schritt").startswith("Schritt 9/9")
    assert status_of(page, "bestand.gdv", "Verträge neu") == "2"
    screenshot(page, "gdv-import-runs")
    assert axe_violations(page) == []
    follow(page.get_by_role("link", name="bestand.gdv"))
    contracts = page.locator("table").last.locator("tbody tr").all_inner_texts()
    assert [row.split("\t")[1] for row in contracts] == ["HR-1", "HR-2"]
    page.goto(f"{server.base}{APP}/contracts?q=erika")
    assert cells(page, 3) == ["HR-1"]
