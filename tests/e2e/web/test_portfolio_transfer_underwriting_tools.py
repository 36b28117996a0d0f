"""The underwriter's tools in a real browser: default values and rejection criteria applied to
forwarded contracts, the Tarifrechner with Vorgangsdaten speichern, the discount override, the
Links documents and the claims ratios a broker transfers."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from support.browser import add_user, axe_violations, follow, require_browser, screenshot, sign_in
from support.messaging import WAIT_BOUND_SECONDS
from support.server import ALWAYS, KONTOR, Server, kontor_env, running_server
from support.tables import row_of, status_of, wait_for_status

INSURER, BROKER = "versicherung-tools", "makler-tools"
UNDERWRITER = ("ute@versicherung.example", "ein langes Passwort für Ute")
BROKER_USER = ("mia@makler.example", "ein langes Passwort für Mia")
APP = "/apps/portfolio_transfer"
PERSON = {"first_name": "Anna", "last_name": "Müller", "date_of_birth": "1980-02-03"}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def household(policy: str, area: str, zone: str | None) -> dict[str, Any]:
    """A Hausrat contract with ``area`` m² in tariff ``zone`` (None: not given)."""
    details = {"kind": "household", "risk_text": "EFLS", "living_area": area,
               "sum_insured": "65000", **({"tariff_zone": zone} if zone else {})}  # fmt: skip
    return {"line_of_business_code": "130", "policy_number": policy,
            "annual_premium_gross": "150.00", "insurer_name": "Alte Sach Versicherung AG",
            "details": details}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose background loop runs the due calculations every second."""
    require_browser()
    data_dir: Path = tmp_path_factory.mktemp("tools")
    env = kontor_env(
        data_dir,
        KONTOR_PORTFOLIO_TRANSFER_RUN_SECONDS="1",
        KONTOR_PORTFOLIO_TRANSFER_CALCULATION_WINDOW=ALWAYS,  # whatever the hour the suite runs
    )
    with running_server(env) as running:
        for command in (
            ["tenant", "create", INSURER, "--name", "Versicherung Tools", "--kind", "insurer"],
            ["tenant", "create", BROKER, "--name", "Makler Tools", "--kind", "broker",
             "--parent", INSURER],
            ["transfer", "install", INSURER],
            ["transfer", "install", BROKER],
        ):  # fmt: skip
            subprocess.run([*KONTOR, *command], env=running.env, check=True, capture_output=True)
        add_user(running, INSURER, "insurer", *UNDERWRITER[:1], "underwriters", UNDERWRITER[1])
        add_user(running, BROKER, "broker", *BROKER_USER[:1], "vermittler", BROKER_USER[1])
        yield running


@contextmanager
def api_as(
    server: Server, person: tuple[str, str]
) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """A signed-in API client of ``person`` and its CSRF header."""
    with httpx.Client(base_url=server.base, timeout=WAIT_BOUND_SECONDS) as client:
        login = {"login": person[0], "password": person[1]}
        session = client.post("/api/auth/login", json=login)
        assert session.status_code == 200, session.text
        yield client, {"X-CSRF-Token": session.json()["csrf_token"]}


def broker_forwards(server: Server, *contracts: dict[str, Any]) -> list[str]:
    """The broker stores ``contracts``, adds them to the Umdeckung and forwards them; the ids."""
    with api_as(server, BROKER_USER) as (client, csrf):
        ids = []
        for contract in contracts:
            customer = client.post("/api/portfolio/customers", json=PERSON, headers=csrf)
            body = {**contract, "customer_id": customer.json()["customer_id"]}
            added = client.post("/api/portfolio/contracts", json=body, headers=csrf)
            assert added.status_code == 201, added.text
            ids.append(added.json()["contract_id"])
        base = "/api/apps/portfolio-transfer"
        answer = client.post(f"{base}/requests", json={"contract_ids": ids}, headers=csrf)
        requests = [r["request"]["request_id"] for r in answer.json()["results"]]
        forwarded = client.post(f"{base}/bulk/forward", json={"request_ids": requests},
                                headers=csrf)  # fmt: skip
        assert forwarded.status_code == 200, forwarded.text
    return requests


def test_defaults_and_criteria_set_in_the_browser_shape_forwarded_contracts(
    server: Server, page: Any
) -> None:
    base = server.base
    sign_in(page, base, *UNDERWRITER)
    page.goto(f"{base}{APP}/incoming")
    follow(page.get_by_role("link", name="Standardwerte und Ablehnungskriterien"))
    page.locator("#d0_field").select_option("Tarifzone")
    page.locator("#d0_value").fill("2")
    page.get_by_role("button", name="Standardwerte speichern").click()
    page.get_by_text("Standardwerte gespeichert.").wait_for()
    page.locator("#s0_name").fill("Große Wohnung Hausrat")
    page.locator("#s0_c0_field").select_option("Sparte")
    page.locator("#s0_c0_value").fill("Hausrat")
    page.locator("#s0_c1_field").select_option("Wohnflaeche")
    page.locator("#s0_c1_op").select_option(">")
    page.locator("#s0_c1_value").fill("300")
    page.get_by_role("button", name="Ablehnungskriterien speichern").click()
    page.get_by_text("Ablehnungskriterien gespeichert.").wait_for()
    assert page.locator("#s0_c0_value").input_value() == "Hausrat"
    screenshot(page, "transfer-intake-rules")
    assert axe_violations(page) == []

    broker_forwards(server, household("HR-900001", "80", None), household("HR-900002", "350", "1"))
    page.goto(f"{base}{APP}/incoming")
    assert status_of(page, "HR-900001", "Status") == "Anfrage"
    assert status_of(page, "HR-900002", "Status") == "Abgelehnt"
    remark = "Automatische Ablehnung: Kriteriensatz 'Große Wohnung Hausrat'"
    assert status_of(page, "HR-900002", "Bemerkung") == remark
    follow(page.get_by_role("link", name="HR-900001"))
    assert page.locator("dd", has_text="EFLS").count() == 1
    protocol = " ".join(page.locator("table").last.all_inner_texts())
    assert "Standardwert: Tarifzone leer → 2 (vorbelegt)" in protocol


def test_the_tarifrechner_and_the_discount_override(server: Server, page: Any) -> None:
    base = server.base
    (request_id,) = broker_forwards(server, household("HR-900010", "80", "2"))
    with api_as(server, UNDERWRITER) as (client, csrf):
        url = f"/api/apps/portfolio-transfer/requests/{request_id}/set_interest"
        assert client.post(url, json={}, headers=csrf).status_code == 200
    sign_in(page, base, *UNDERWRITER)
    page.goto(f"{base}{APP}/cases")
    wait_for_status(page, "HR-900010", "Berechnung erfolgreich", "Technischer Status")

    follow(page.get_by_role("link", name="HR-900010"))
    follow(page.get_by_role("link", name="Tarifrechner"))
    assert page.get_by_label("Wohnfläche (m²)").input_value() == "80"
    assert page.get_by_label("Produkt").input_value() == "household"  # the case's product
    page.get_by_label("Produkt").select_option("")  # no product: all of them side by side
    page.get_by_role("button", name="Berechnung starten").click()
    overview = page.locator(".premium-overview tbody tr")
    overview.first.wait_for()
    assert [t.split("\t")[0] for t in overview.all_inner_texts()] == ["Hausrat", "Wohngebäude"]
    page.get_by_label("Produkt").select_option("household")
    page.get_by_label("Wohnfläche (m²)").fill("120")
    page.get_by_role("button", name="Berechnung starten").click()
    page.locator(".premium-overview tbody tr").nth(1).wait_for(state="detached")
    assert axe_violations(page) == []
    screenshot(page, "transfer-calculator")
    page.get_by_role("button", name="Vorgangsdaten speichern").click()
    saved = page.locator("#calculator-result .message")
    saved.wait_for()
    assert saved.inner_text().startswith("Vorgangsdaten gespeichert (Wohnfläche (m²) 120)")

    page.goto(f"{base}{APP}/cases")
    follow(page.get_by_role("link", name="Rabatt überschreiben"))
    page.get_by_label("Kondition (%)").fill("-5")
    page.get_by_role("checkbox", name="HR-900010").check()
    page.get_by_role("button", name="Kondition übernehmen").click()
    result = page.locator("#override-result .result-list li")
    result.first.wait_for()
    assert result.all_inner_texts() == ["HR-900010 – Kondition -5.00 %, Prämie " + (
        result.first.inner_text().split("Prämie ")[1]
    )]  # fmt: skip
    assert axe_violations(page) == []


def test_links_documents_and_claims_ratios_between_the_sides(
    server: Server, page: Any, browser: Any, tmp_path: Path
) -> None:
    base = server.base
    flyer = tmp_path / "Produktinformation Hausrat.pdf"
    flyer.write_bytes(PDF)
    sign_in(page, base, *UNDERWRITER)
    follow(page.get_by_role("link", name="Links").first)
    follow(page.get_by_role("link", name="Dokument hochladen"))
    page.get_by_label("Titel").fill("Produktinformation Hausrat")
    page.get_by_label("Art").select_option("product")
    page.get_by_label("PDF-Datei").set_input_files(str(flyer))
    page.get_by_role("button", name="Hochladen").click()
    page.locator("#upload-result .message").wait_for()
    assert axe_violations(page) == []

    broker = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin").new_page()
    sign_in(broker, base, *BROKER_USER)
    follow(broker.get_by_role("link", name="Links").first)
    follow(broker.get_by_role("link", name="Dokumente"))
    assert status_of(broker, "Produktinformation Hausrat", "Art") == "Produktunterlagen"
    assert broker.get_by_role("link", name="Dokument hochladen").count() == 0
    href = row_of(broker, "Produktinformation Hausrat").locator("a").first.get_attribute("href")
    pdf = broker.request.get(f"{base}{href}")
    assert (pdf.status, pdf.body()) == (200, PDF)
    screenshot(broker, "links-documents")
    assert axe_violations(broker) == []

    with api_as(server, BROKER_USER) as (client, csrf):
        ratio = {
            "scope": "line_of_business", "line_of_business_code": "130",
            "period_start": "2025-01-01", "period_end": "2025-12-31", "ratio": "0.4512",
        }  # fmt: skip
        answer = client.post("/api/portfolio/claims-ratios", json=ratio, headers=csrf)
        assert answer.status_code == 201, answer.text
    broker.goto(f"{base}{APP}/claims-ratios")
    row_of(broker, "Hausrat").click(button="right")
    menu = broker.get_by_role("dialog")
    menu.wait_for()
    menu.get_by_role("button", name="Übertragen").click()
    broker.locator("#action-results .result-list li").first.wait_for()
    assert broker.locator("#action-results .result-list li").all_inner_texts() == [
        "Sparte – Erledigt."
    ]
    broker.context.close()

    page.goto(f"{base}{APP}")
    follow(page.get_by_role("link", name="Schadenquoten der Makler"))
    group = page.locator(".ratio-group", has_text="Makler Tools")
    assert "45,12" in group.inner_text()
    assert axe_violations(page) == []
