"""The broker's BiPRO apps in a real browser: a portal access to the provider mock is stored in
*Portalzugänge*, *Jetzt abrufen* lets the server's background round poll it, and the shipment
shows in *Posteingang*, where its document downloads. Every page passes axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kontor.integration.bipro import demo_shipments, provider_mock
from support.browser import add_user, axe_violations, follow, screenshot, sign_in
from support.http_servers import serving
from support.server import Server
from support.tables import row_of, run_on_row, wait_for_status

BROKER, BROKER_PASSWORD = "posteingang@makler-demo.test", "ein langes Passwort für den Posteingang"
PORTAL_PASSWORD = "portal-geheim-4711"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The shipped provider mock over HTTP, holding the demo shipments for ``makler-1``."""
    with serving(provider_mock({"makler-1": PORTAL_PASSWORD}, demo_shipments()).app()) as url:
        yield url


def test_a_broker_fetches_shipments_through_a_portal_access_and_downloads_one(
    server: Server, page: Any, provider: str, tmp_path: Path
) -> None:
    add_user(server, "makler-demo", "broker", BROKER, "vermittler", BROKER_PASSWORD)
    sign_in(page, server.base, BROKER, BROKER_PASSWORD)
    follow(page.locator(".tiles").first.get_by_role("link", name="Portalzugänge"))
    follow(page.get_by_role("link", name="Portalzugang anlegen"))
    assert page.get_by_role("heading", level=1).inner_text() == "Portalzugang anlegen"
    assert axe_violations(page) == []
    for label, value in (
        ("Bezeichnung", "Beispiel Leben"),
        ("Gesellschaft", "Beispiel Lebensversicherung AG"),
        ("Adresse des Security-Token-Service", f"{provider}/sts"),
        ("Adresse des Transfer-Service", f"{provider}/transfer"),
        ("Benutzername", "makler-1"),
        ("Passwort", PORTAL_PASSWORD),
    ):
        page.get_by_label(label).fill(value)
    screenshot(page, "portal-access")
    with page.expect_navigation(url=f"{server.base}/apps/portal_accesses/accesses"):
        page.get_by_role("button", name="Portalzugang anlegen").click()
    assert row_of(page, "Beispiel Leben").is_visible()
    assert axe_violations(page) == []

    assert run_on_row(page, "Beispiel Leben", "Jetzt abrufen") == ["Beispiel Leben – Erledigt."]
    wait_for_status(page, "Beispiel Leben", "erfolgreich", "Ergebnis")  # the background round
    assert PORTAL_PASSWORD not in page.content()
    follow(row_of(page, "Beispiel Leben").get_by_role("link"))
    assert page.get_by_label("Passwort").input_value() == ""
    assert PORTAL_PASSWORD not in page.content()

    page.goto(f"{server.base}/apps/inbox")
    follow(page.get_by_role("link", name="Posteingang").last)
    assert row_of(page, "L-2026-0001").is_visible()
    assert "Policierung" in row_of(page, "L-2026-0001").inner_text()
    assert axe_violations(page) == []
    follow(row_of(page, "L-2026-0001").get_by_role("link").first)
    assert page.get_by_role("heading", level=1).inner_text() == "Lieferung L-2026-0001"
    assert axe_violations(page) == []
    with page.expect_download() as caught:
        page.get_by_role("link", name="Herunterladen: Police_VS-100200300.pdf").click()
    download = caught.value
    assert download.suggested_filename == "Police_VS-100200300.pdf"
    saved = tmp_path / "police.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == b"%PDF-1.4\n% Police\n"
