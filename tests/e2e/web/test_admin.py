"""Administration in a real browser: each seed role sees its menu and is refused the rest; an
insurer's administrator invites, locks and unlocks a user (whose session ends), changes a
group's apps, creates and deletes a broker system; the operator edits a group profile. Every
page passes axe-core."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from support.browser import axe_violations, follow, screenshot, sign_in
from support.server import OPERATOR_LOGIN, OPERATOR_PASSWORD, Server

ADMIN, ADMIN_PASSWORD = "verwaltung@versicherer.test", "ein langes Passwort für die Verwaltung"
UW, UW_PASSWORD = "zeichner@versicherer.test", "ein langes Passwort für den Underwriter"


BROKER, BROKER_PASSWORD = "vermittlung@makler-demo.test", "ein langes Passwort für den Makler"
REFUSED = "Für diese Seite fehlt Ihnen die Berechtigung."
BIPRO_PAGES = {
    "portal_accesses": "/apps/portal_accesses/accesses",
    "inbox": "/apps/inbox/shipments",
}
APP_TILES = {"portal_accesses": "Portalzugänge", "inbox": "Posteingang"}


ENROL = """
import json, sys
from kontor.bootstrap import bootstrap
from kontor.platform import Directory
from kontor.settings import Settings
kontor = bootstrap(Settings())
with kontor.bus.unit_of_work() as uow:
    for tenant, login, group, password in json.loads(sys.stdin.read()):
        user = Directory(uow.connection, tenant).add_user(
            login=login, display_name=login.split("@")[0].title(), email=login,
            group_ids=[group], now=uow.clock.now())
        kontor.authenticator.set_password(uow, tenant, user.user_id, password, login=login,
                                          actor=None, reason="initial")
    uow.commit()
"""


def enrol(server: Server, *people: tuple[str, str, str, str]) -> None:
    """Users of the demo tenants (``kontor serve`` seeds them in test mode), in one process."""
    subprocess.run([sys.executable, "-c", ENROL], env=server.env, input=json.dumps(people),
                   text=True, check=True, capture_output=True)  # fmt: skip


@pytest.fixture(scope="module")
def insurer(server: Server) -> None:
    """The demo insurer gets an administrator and an underwriter, the demo broker a Vermittler."""
    enrol(
        server,
        ("versicherer", ADMIN, "administrators", ADMIN_PASSWORD),
        ("versicherer", UW, "underwriters", UW_PASSWORD),
        ("makler-demo", BROKER, "vermittler", BROKER_PASSWORD),
    )


ADMIN_PAGES = {
    "Benutzer": "/admin/users",
    "Gruppen": "/admin/groups",
    "API-Tokens": "/admin/tokens",
    "Maklersysteme": "/admin/broker-systems",
    "Protokoll": "/admin/audit",
    "Zeitpläne": "/admin/schedules",
    "Webhooks": "/admin/webhooks",
    "Gruppenprofile": "/admin/profiles",
}
ROLES = {
    # role: (login, navigation, app tiles, administration screens)
    "operator": (
        OPERATOR_LOGIN,
        [
            "Menü",
            "Aufgaben",
            "Vorgänge",
            "Auswertung",
            "Prozesse",
            "Regeln",
            "Verwaltung",
            "Profil",
        ],
        [],
        [
            "Benutzer",
            "Gruppen",
            "API-Tokens",
            "Maklersysteme",
            "Protokoll",
            "Zeitpläne",
            "Webhooks",
            "Gruppenprofile",
        ],
    ),
    "insurer administrator": (
        ADMIN,
        [
            "Menü",
            "Aufgaben",
            "Vorgänge",
            "Auswertung",
            "Prozesse",
            "Regeln",
            "Verwaltung",
            "Profil",
        ],
        [],
        [
            "Benutzer",
            "Gruppen",
            "API-Tokens",
            "Maklersysteme",
            "Protokoll",
            "Zeitpläne",
            "Webhooks",
        ],
    ),
    "underwriter": (
        UW,
        ["Menü", "Aufgaben", "Vorgänge", "Auswertung", "Prozesse", "Regeln", "Profil"],
        ["Umdeckung", "Abrechnung", "Links"],
        [],
    ),
    "broker": (
        BROKER,
        ["Menü", "Aufgaben", "Vorgänge", "Auswertung", "Prozesse", "Verwaltung", "Profil"],
        ["Umdeckung", "Abrechnung", "Links", "Portalzugänge", "Posteingang"],
        ["Benutzer"],  # its broker system may not hold broker systems of its own
    ),
}


TASK_MANAGERS = {"operator", "insurer administrator"}  # hold tasks:manage


WORK_PAGES = {
    "Prozesse": "/cockpit",
    "Regeln": "/rules",
}
"""Pages shown in the navigation to holders of ``process:read`` and ``rules:read``."""


PASSWORDS = {OPERATOR_LOGIN: OPERATOR_PASSWORD, ADMIN: ADMIN_PASSWORD, UW: UW_PASSWORD,
             BROKER: BROKER_PASSWORD}  # fmt: skip


def status_of(page: Any, url: str) -> int:
    """The status of the page at ``url`` as the browser opens it."""
    response = page.goto(url)
    assert response is not None
    return int(response.status)


@pytest.mark.usefixtures("insurer")
@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_sees_its_menu_and_is_refused_the_rest(
    server: Server, page: Any, role: str
) -> None:
    login, navigation, apps, screens = ROLES[role]
    sign_in(page, server.base, login, PASSWORDS[login])
    assert page.get_by_role("navigation").get_by_role("link").all_inner_texts() == navigation
    tiles = page.locator('ul.tiles[aria-label="Anwendungen"] .tile-title').all_inner_texts()
    assert tiles == apps
    if screens:
        assert status_of(page, f"{server.base}/admin") == 200
        assert page.locator(".admin-entries .tile-title").all_inner_texts() == screens
    else:
        assert status_of(page, f"{server.base}/admin") == 403
        assert page.get_by_role("alert").inner_text() == REFUSED
    for label, path in ADMIN_PAGES.items():
        expected = 200 if label in screens else 403
        assert status_of(page, f"{server.base}{path}") == expected, path
        if expected == 403:
            assert page.get_by_role("alert").inner_text() == REFUSED
    task_analytics = 200 if role in TASK_MANAGERS else 403
    assert status_of(page, f"{server.base}/analytics/tasks") == task_analytics  # tasks:manage
    assert status_of(page, f"{server.base}/analytics/cases") == 200  # every role reads cases
    for app in ("portfolio_transfer", "settlement"):
        expected = 200 if apps else 404  # an app the groups do not install does not exist
        assert status_of(page, f"{server.base}/apps/{app}") == expected, app
    for app, path in BIPRO_PAGES.items():  # only brokers install them and hold bipro:read
        shown = APP_TILES[app] in apps
        assert status_of(page, f"{server.base}/apps/{app}") == (200 if shown else 404), app
        assert status_of(page, f"{server.base}{path}") == (200 if shown else 403), path
    for label, path in WORK_PAGES.items():  # the cockpit and the rules with their permission
        expected = 200 if label in navigation else 403
        assert status_of(page, f"{server.base}{path}") == expected, path


@pytest.mark.usefixtures("insurer")
def test_a_hidden_action_is_refused_by_the_server_too(server: Server, page: Any) -> None:
    sign_in(page, server.base, UW, UW_PASSWORD)
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "kontor_csrf")
    answer = page.request.post(
        f"{server.base}/admin/users/actions",
        form={"action": "lock", "ids": "irgendwer"},
        headers={"X-CSRF-Token": csrf},
    )
    assert answer.status == 403
    assert "platform:sub_users" in answer.text()
    groups = page.request.post(
        f"{server.base}/admin/groups/underwriters",
        form={"permission": "platform:users"},
        headers={"X-CSRF-Token": csrf},
    )
    assert groups.status == 403
    for path in ("/cockpit/instances/irgendeine/suspend", "/rules/hooks/task.created"):
        refused = page.request.post(  # underwriters read the cockpit and the rules only
            f"{server.base}{path}", form={"decision": "[]"}, headers={"X-CSRF-Token": csrf}
        )
        assert refused.status == 403, path


def row_menu(page: Any, text: str) -> Any:
    """Right-click the table row showing ``text``; the context menu that opens."""
    page.locator("#table-area tr.data-row", has_text=text).click(button="right")
    menu = page.get_by_role("dialog")
    menu.wait_for()
    return menu


def act(page: Any, text: str, action: str, reason: str = "") -> str:
    """Run ``action`` on the row showing ``text`` from its context menu; the row's result."""
    before = page.locator("#action-results").inner_html()
    menu = row_menu(page, text)
    if reason:
        menu.get_by_label("Begründung (falls nötig)").fill(reason)
    menu.get_by_role("button", name=action, exact=True).click()
    page.wait_for_function(
        "before => document.querySelector('#action-results').innerHTML !== before", arg=before
    )
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
    assert entries == [
        "Benutzer", "Gruppen", "API-Tokens", "Maklersysteme", "Protokoll", "Zeitpläne", "Webhooks",
    ]  # fmt: skip
    assert axe_violations(page) == []
    follow(page.locator(".admin-entries").get_by_role("link", name="Benutzer"))
    assert page.get_by_role("heading", level=1).inner_text() == "Benutzer"
    follow(page.get_by_role("link", name="Benutzer einladen"))
    page.locator("#field-display_name").fill("Ulla Neu")
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
            "login => [...document.querySelectorAll('#table-area tr.data-row')].some("
            "r => r.textContent.includes(login) && r.textContent.includes('gesperrt'))",
            arg=UW,
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
    assert row.locator("td").nth(2).inner_text() == "Umdeckung, Links"
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


def logins(page: Any) -> list[str]:
    """The logins the user table shows, sorted."""
    cells = page.locator("#table-area tr.data-row td:nth-child(2)").all_inner_texts()
    return sorted(text.strip() for text in cells)


def condition(page: Any, index: int, field: str, op: str, value: str) -> None:
    """Fill the ``index``-th condition row of the editor."""
    row = page.locator(".cond-editor .cond").nth(index)
    row.locator(".cond-field").select_option(label=field)
    row.locator(".cond-op").select_option(label=op)
    row.locator(".cond-value").fill(value)


@pytest.mark.usefixtures("insurer")
def test_a_saved_filter_with_nested_conditions_is_shared_applied_and_deleted(
    server: Server, page: Any
) -> None:
    sign_in(page, server.base, ADMIN, ADMIN_PASSWORD)
    page.goto(f"{server.base}/admin/users")
    page.get_by_text("Bedingungen und gespeicherte Filter").click()
    top = page.locator(".cond-editor > .cond-group")
    top.locator("> label .cond-join").select_option("any")
    top.locator("> .cond-add").click()
    top.locator("> .cond-add-group").click()
    nested = top.locator(".cond-group")
    nested.locator(".cond-add").click()
    nested.locator(".cond-add").click()
    condition(page, 0, "Anmeldename", "enthält", "zeichner")
    condition(page, 1, "Anmeldename", "enthält", "verwaltung")
    condition(page, 2, "Anmeldename", "enthält", "versicherer.test")
    assert axe_violations(page) == []
    follow(page.get_by_role("button", name="Bedingungen anwenden"))
    assert logins(page) == sorted([UW, ADMIN])
    page.get_by_label("Name des Filters").fill("Unsere Testkonten")
    page.get_by_label("Sichtbar für").select_option("administrators")
    follow(page.get_by_role("button", name="Filter speichern"))
    assert "saved=" in page.url
    assert logins(page) == sorted([UW, ADMIN])
    screenshot(page, "saved-filter")
    with page.expect_navigation():
        page.get_by_label("Gespeicherte Filter").select_option(label="keiner")
    assert len(logins(page)) > 2
    with page.expect_navigation():
        page.get_by_label("Gespeicherte Filter").select_option(
            label="Unsere Testkonten (geteilt mit administrators)"
        )
    assert logins(page) == sorted([UW, ADMIN])
    page.get_by_text("Bedingungen und gespeicherte Filter").click()
    follow(page.get_by_role("button", name="Filter löschen: Unsere Testkonten"))
    assert page.get_by_label("Gespeicherte Filter").count() == 0


@pytest.mark.usefixtures("insurer")
def test_the_audit_log_shows_who_changed_what_and_a_records_history_beside_schedules_and_hooks(
    server: Server, page: Any
) -> None:
    sign_in(page, server.base, ADMIN, ADMIN_PASSWORD)
    page.goto(f"{server.base}/admin")
    follow(page.locator(".admin-entries").get_by_role("link", name="Protokoll"))
    assert page.get_by_role("heading", level=1).inner_text() == "Protokoll"
    assert axe_violations(page) == []
    page.get_by_label("Suche in allen Spalten").fill("platform.login")
    follow(page.get_by_role("button", name="Suchen"))
    actions = page.locator("#table-area tr.data-row td:nth-child(3)").all_inner_texts()
    assert actions
    assert {a.strip() for a in actions} == {"platform.login"}
    screenshot(page, "admin-audit")
    follow(page.locator("#table-area tr.data-row").first.get_by_role("link").last)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Historie:")
    assert "platform.login" in page.get_by_role("table", name="Historie").inner_text()
    assert axe_violations(page) == []
    for path, title in (("/admin/schedules", "Zeitpläne"), ("/admin/webhooks", "Webhooks")):
        page.goto(f"{server.base}{path}")
        assert page.get_by_role("heading", level=1).inner_text() == title
        assert axe_violations(page) == []
