"""Administration in a real browser: an insurer's administrator invites, locks and unlocks a
user (whose session ends), changes a group's apps, creates and deletes a broker system; the
operator edits a group profile. Every page passes axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from support.browser import add_user, axe_violations, follow, screenshot, sign_in
from support.server import Server

ADMIN, ADMIN_PASSWORD = "verwaltung@versicherer.test", "ein langes Passwort für die Verwaltung"
UW, UW_PASSWORD = "zeichner@versicherer.test", "ein langes Passwort für den Underwriter"


@pytest.fixture(scope="module")
def insurer(server: Server) -> None:
    """The demo insurer gets an administrator and an underwriter of the tests."""
    add_user(server, "versicherer", "insurer", ADMIN, "administrators", ADMIN_PASSWORD)
    add_user(server, "versicherer", "insurer", UW, "underwriters", UW_PASSWORD)


def row_menu(page: Any, text: str) -> Any:
    """Right-click the table row showing ``text``; the context menu that opens."""
    page.locator("#table-area tr.data-row", has_text=text).click(button="right")
    menu = page.get_by_role("dialog")
    menu.wait_for()
    return menu


def act(page: Any, text: str, action: str, reason: str = "") -> str:
    """Run ``action`` on the row showing ``text`` from its context menu; the row's result."""
    menu = row_menu(page, text)
    if reason:
        menu.get_by_label("Begründung (falls nötig)").fill(reason)
    menu.get_by_role("button", name=action).click()
    result = page.locator("#action-results .result-list li")
    result.first.wait_for()
    return str(result.first.inner_text())


@pytest.mark.usefixtures("insurer")
def test_an_administrator_invites_locks_and_unlocks_a_user(
    server: Server, browser: Any, page: Any
) -> None:
    sign_in(page, server.base, ADMIN, ADMIN_PASSWORD)
    follow(page.get_by_role("navigation").get_by_role("link", name="Verwaltung"))
    entries = page.locator(".admin-entries .tile-title").all_inner_texts()
    assert entries == ["Benutzer", "Gruppen", "API-Tokens", "Maklersysteme"]
    assert axe_violations(page) == []
    follow(page.locator(".admin-entries").get_by_role("link", name="Benutzer"))
    assert page.get_by_role("heading", level=1).inner_text() == "Benutzer"
    follow(page.get_by_role("link", name="Benutzer einladen"))
    page.get_by_label("Name", exact=True).fill("Ulla Neu")
    page.get_by_label("Anmeldename").fill("ulla@versicherer.example")
    page.get_by_label("E-Mail").fill("keine Adresse")
    page.get_by_label("Underwriter").check()
    page.get_by_role("button", name="Benutzer einladen").click()
    page.locator(".field-error").first.wait_for()
    assert page.locator(".field-error").all_inner_texts() == ["Das Format stimmt nicht."]
    assert axe_violations(page) == []
    page.get_by_label("E-Mail").fill("ulla@versicherer.example")
    page.get_by_role("button", name="Benutzer einladen").click()
    page.get_by_role("status").wait_for()
    assert page.get_by_role("status").inner_text() == (
        "Benutzer angelegt; die Einladung ist versandt."
    )
    follow(page.get_by_role("link", name="Zur Benutzerliste"))
    assert "Ulla Neu" in page.locator("#table-area").inner_text()
    screenshot(page, "admin-users")
    assert axe_violations(page) == []
    # the underwriter is signed in elsewhere; locking them ends that session
    other = browser.new_context(locale="de-DE")
    try:
        theirs = other.new_page()
        sign_in(theirs, server.base, UW, UW_PASSWORD)
        assert act(page, UW, "Sperren").endswith(" – Erledigt.")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#table-area tr.data-row')].some("
            "r => r.textContent.includes('uw@versicherer') && r.textContent.includes('gesperrt'))"
        )
        theirs.goto(f"{server.base}/tasks")
        assert theirs.url.startswith(f"{server.base}/login")
    finally:
        other.close()
    assert act(page, UW, "Entsperren").endswith("Erledigt.")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#table-area tr.data-row')].every("
        "r => !r.textContent.includes('gesperrt'))"
    )
    again = browser.new_context(locale="de-DE")
    try:
        sign_in(again.new_page(), server.base, UW, UW_PASSWORD)  # may log in again
    finally:
        again.close()


@pytest.mark.usefixtures("insurer")
def test_an_administrator_takes_an_app_from_a_group(server: Server, page: Any) -> None:
    sign_in(page, server.base, ADMIN, ADMIN_PASSWORD)
    page.goto(f"{server.base}/admin/groups")
    follow(page.get_by_role("link", name="Underwriter"))
    assert page.get_by_role("heading", level=1).inner_text() == "Gruppe Underwriter"
    assert axe_violations(page) == []
    page.get_by_label("Abrechnung: Öffnen").uncheck()
    page.get_by_role("button", name="Rechte speichern").click()
    page.get_by_role("status").wait_for()
    assert page.get_by_role("status").inner_text() == "Rechte gespeichert."
    assert not page.get_by_label("Abrechnung: Öffnen").is_checked()
    screenshot(page, "admin-group")
    follow(page.get_by_role("link", name="Zu den Gruppen"))
    row = page.locator("#table-area tr.data-row", has_text="underwriters")
    assert row.locator("td").nth(2).inner_text() == "Umdeckung"
    page.goto(f"{server.base}/admin/groups/underwriters")
    page.get_by_label("Abrechnung: Öffnen").check()  # as the other tests expect it
    page.get_by_role("button", name="Rechte speichern").click()
    page.get_by_role("status").wait_for()


@pytest.mark.usefixtures("insurer")
def test_an_administrator_creates_a_broker_system_and_deletes_it_after_confirming(
    server: Server, page: Any
) -> None:
    sign_in(page, server.base, ADMIN, ADMIN_PASSWORD)
    page.goto(f"{server.base}/admin/broker-systems")
    follow(page.get_by_role("link", name="Maklersystem anlegen"))
    assert axe_violations(page) == []
    page.get_by_label("Firma").fill("Makler Nord GmbH")
    page.get_by_label("Kennung").fill("makler-nord")
    page.get_by_label("Ansprechpartner").fill("Nora Nord")
    page.get_by_label("E-Mail").fill("nora@makler-nord.example")
    page.get_by_label("Anmeldename").fill("nora@makler-nord.example")
    page.get_by_role("button", name="Maklersystem anlegen").click()
    page.get_by_role("status").wait_for()
    assert page.get_by_role("status").inner_text() == (
        "Maklersystem angelegt; die Einladung ist versandt."
    )
    follow(page.get_by_role("link", name="Zu den Maklersystemen"))
    assert "Makler Nord GmbH" in page.locator("#table-area").inner_text()
    assert axe_violations(page) == []
    refused = act(page, "Makler Nord GmbH", "Löschen (Kennung als Bestätigung)")
    assert refused == (
        "Makler Nord GmbH – Nicht möglich: Zur Bestätigung die Kennung makler-nord "
        "in das Textfeld eingeben."
    )
    assert "Makler Nord GmbH" in page.locator("#table-area").inner_text()
    page.get_by_role("button", name="Abbrechen").click()
    done = act(page, "Makler Nord GmbH", "Löschen (Kennung als Bestätigung)", "makler-nord")
    assert done == "Makler Nord GmbH – Erledigt."
    page.wait_for_function(
        "() => !document.querySelector('#table-area').textContent.includes('Makler Nord')"
    )


def test_the_operator_changes_a_group_profile(server: Server, page: Any) -> None:
    sign_in(page, server.base)
    follow(page.get_by_role("navigation").get_by_role("link", name="Verwaltung"))
    follow(page.locator(".admin-entries").get_by_role("link", name="Gruppenprofile"))
    assert "Vermittler" in page.locator("#table-area").inner_text()
    assert axe_violations(page) == []
    follow(page.get_by_role("link", name="Vermittler"))
    assert page.get_by_role("heading", level=1).inner_text() == "Gruppenprofil Vermittler"
    assert page.get_by_label("Umdeckung: Löschen").is_checked()
    page.get_by_label("Umdeckung: Löschen").uncheck()
    page.get_by_role("button", name="Rechte speichern").click()
    page.get_by_role("status").wait_for()
    assert not page.get_by_label("Umdeckung: Löschen").is_checked()
    assert axe_violations(page) == []
