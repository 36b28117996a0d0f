"""The shell in a real browser: login in German, the menu with the user's apps, the profile,
push messages live one at a time, and no serious accessibility violations on any page."""

from __future__ import annotations

from typing import Any

import pyotp

from support.browser import add_user, axe_violations, follow, screenshot, sign_in
from support.models import WAIT
from support.server import OPERATOR_LOGIN, Server

QUICK = WAIT.replace('id="Wait"', 'id="Quick"').replace(
    '<bpmn:userTask id="Review"/>', '<bpmn:endEvent id="Review"/>'
)


def test_a_wrong_password_is_refused_in_german_then_the_right_one_opens_the_menu(
    server: Server, page: Any
) -> None:
    page.goto(f"{server.base}/tasks")
    assert page.url.startswith(f"{server.base}/login")  # signed out: to the login page
    assert axe_violations(page) == []
    screenshot(page, "login")
    page.get_by_label("Anmeldename").fill(OPERATOR_LOGIN)
    page.get_by_label("Passwort").fill("falsch")
    page.get_by_role("button", name="Anmelden").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "Anmeldename oder Passwort ist falsch."
    sign_in(page, server.base)
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Menü"
    assert "Ihre Gruppen haben keine Anwendung installiert." in page.content()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url(f"{server.base}/login")
    page.goto(f"{server.base}/profile")  # the session has ended
    assert page.url.startswith(f"{server.base}/login?next=/profile")


def test_the_menu_shows_the_apps_the_users_groups_install(server: Server, page: Any) -> None:
    add_user(
        server,
        "versicherer",
        "insurer",
        "uw@example.org",
        "underwriters",
        "ein langes Passwort für Underwriter",
    )
    sign_in(page, server.base, "uw@example.org", "ein langes Passwort für Underwriter")
    tiles = page.locator(".tiles").first.locator(".tile-title").all_inner_texts()
    assert tiles == ["Umdeckung", "Abrechnung", "Links"]
    screenshot(page, "menu")
    follow(page.get_by_role("link", name="Umdeckung"))
    assert page.get_by_role("heading", level=1).inner_text() == "Umdeckung"
    assert axe_violations(page) == []


def test_a_push_message_arrives_live_and_they_show_one_at_a_time(server: Server, page: Any) -> None:
    sign_in(page, server.base)
    with server.client() as client:
        assert client.post("/api/process/definitions", content=QUICK).status_code == 201
        for key in ("Antrag 4711", "Antrag 4712"):
            started = client.post(
                "/api/process/definitions/Quick/start", json={"business_key": key}
            )
            assert started.status_code == 201, started.text
    message = page.locator(".notification-subject")
    message.wait_for()
    assert message.inner_text() == "Quick Antrag 4711 abgeschlossen"
    page.get_by_role("button", name="Gelesen").click()
    page.wait_for_function(
        "() => document.querySelector('.notification-subject').textContent.includes('4712')"
    )
    page.get_by_role("button", name="Gelesen").click()
    page.locator(".notification").wait_for(state="hidden")


def test_the_profile_changes_the_password_and_lists_sessions_and_tokens(
    server: Server, page: Any
) -> None:
    add_user(
        server,
        "versicherer",
        "insurer",
        "profil@example.org",
        "underwriters",
        "das erste lange Passwort 1",
    )
    sign_in(page, server.base, "profil@example.org", "das erste lange Passwort 1")
    page.goto(f"{server.base}/profile")
    assert axe_violations(page) == []
    page.get_by_label("Bisheriges Passwort").fill("nicht das richtige")
    page.get_by_label("Neues Passwort", exact=True).fill("das zweite lange Passwort 2")
    page.get_by_label("Neues Passwort wiederholen").fill("das zweite lange Passwort 2")
    page.get_by_role("button", name="Passwort ändern").click()
    page.get_by_role("alert").wait_for()
    assert page.get_by_role("alert").inner_text() == "Das bisherige Passwort stimmt nicht."
    page.get_by_label("Bisheriges Passwort").fill("das erste lange Passwort 1")
    page.get_by_label("Neues Passwort", exact=True).fill("das zweite lange Passwort 2")
    page.get_by_label("Neues Passwort wiederholen").fill("das zweite lange Passwort 2")
    page.get_by_role("button", name="Passwort ändern").click()
    page.locator(".message").wait_for()
    assert page.locator(".message").inner_text().startswith("Passwort geändert")
    page.get_by_label("Name des Tokens").fill("Auswertung")
    page.get_by_role("button", name="Token anlegen").click()
    page.locator(".new-token").wait_for()
    assert page.locator(".new-token").inner_text().startswith("kontor_pat_")
    assert "Auswertung" in page.locator("table").nth(1).inner_text()
    assert "diese Sitzung" in page.locator("table").first.inner_text()
    page.get_by_label("Von", exact=True).fill("2027-07-01T08:00")
    page.get_by_label("Bis", exact=True).fill("2027-07-15T18:00")
    page.get_by_label("Vertretung").select_option(label="Underwriter")
    page.get_by_role("button", name="Abwesenheit eintragen").click()
    page.get_by_text("Abwesenheit eingetragen.").wait_for()
    absences = page.get_by_role("table", name="Abwesenheiten").inner_text()
    assert "01.07.2027, 08:00" in absences
    assert "Gruppe Underwriter" in absences
    screenshot(page, "profile")


def test_the_case_list_is_reachable_from_the_menu_and_accessible(server: Server, page: Any) -> None:
    sign_in(page, server.base)
    follow(page.get_by_role("navigation").get_by_role("link", name="Vorgänge"))
    assert page.get_by_role("heading", level=1).inner_text() == "Vorgänge"
    assert page.get_by_label("Offen/geschlossen").input_value() == "open"
    assert "Keine Einträge." in page.locator("#table-area").inner_text()
    assert axe_violations(page) == []


def test_a_user_sets_up_a_second_factor_with_the_qr_code_and_logs_in_with_a_code(
    server: Server, page: Any
) -> None:
    password = "ein langes Passwort mit zweitem Faktor"
    add_user(server, "versicherer", "insurer", "zf@example.org", "underwriters", password)
    sign_in(page, server.base, "zf@example.org", password)
    page.goto(f"{server.base}/profile")
    follow(page.get_by_role("link", name="Zweiten Faktor verwalten"))
    assert page.locator("#second-factor-state").inner_text() == "ausgeschaltet"
    assert axe_violations(page) == []
    page.get_by_label("Ihr Passwort").fill(password)
    page.get_by_role("button", name="Zweiten Faktor einrichten").click()
    page.locator(".qr-code svg").wait_for()
    screenshot(page, "second-factor-setup")
    totp = pyotp.TOTP(page.locator(".totp-secret").inner_text())
    page.get_by_label("Code aus der Authenticator-App").fill(totp.now())
    page.get_by_role("button", name="Bestätigen und einschalten").click()
    page.locator(".recovery-codes").wait_for()
    assert page.locator("#second-factor-state").inner_text() == "eingeschaltet"
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) >= 8
    assert axe_violations(page) == []
    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url(f"{server.base}/login")
    page.get_by_label("Anmeldename").fill("zf@example.org")
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    code_field = page.get_by_label("Code aus der Authenticator-App oder ein Wiederherstellungscode")
    code_field.fill(codes[0])  # the TOTP code of this half-minute is used up already
    page.get_by_role("button", name="Bestätigen").click()
    page.wait_for_url(f"{server.base}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Menü"
