"""The seed's whole Umdeckung story in a real browser, with three people: the insurer's
administrator creates the broker system; the broker accepts the invitation, imports the GDV's
2004 sample and a file of Hausrat and Wohngebäude contracts written with Kontor's GDV writer, and
forwards ten of them at once; the underwriter rejects one, asks for information on one and sets
interest on the rest; the calculation waits for its window on the test clock; the broker
answers the information request, withdraws and deletes one request and confirms the proposals;
the applications end *Gezeichnet*; both sides got the push messages; the protocol export opens
in openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from support.browser import add_user, axe_violations, follow, require_browser, sign_in
from support.gdv_files import campaign_file, sample_bytes
from support.messaging import wait_for
from support.server import KONTOR, Server, kontor_env, on_test_clock, running_server
from support.smtp import Inbox, smtp_inbox
from support.tables import cells, run_on_row, run_on_selection, status_of, wait_for_status

INSURER = "versicherung-story"
ADMIN = ("anna@versicherung-story.example", "ein langes Passwort für Anna")
UNDERWRITER = ("udo@versicherung-story.example", "ein langes Passwort für Udo")
BROKER = "makler-nord"
BROKER_LOGIN, BROKER_PASSWORD = "nora@makler-nord.example", "ein langes Kennwort für Nora"
APP = "/apps/portfolio_transfer"
BERLIN = ZoneInfo("Europe/Berlin")
TODAY = dt.datetime.now(BERLIN).date()  # near the real date: the tests' API tokens expire
BEFORE_WINDOW = dt.datetime.combine(TODAY, dt.time(5, 45), tzinfo=BERLIN)  # before 6:00
HOUSEHOLDS = [f"ST-HR-{n}" for n in range(1, 7)]
BUILDINGS = [f"ST-WG-{n}" for n in range(1, 5)]
REJECTED, ASKED, WITHDRAWN = "ST-HR-6", "ST-WG-4", "ST-HR-5"
INTERESTED = [p for p in HOUSEHOLDS + BUILDINGS if p not in (REJECTED, ASKED)]
PLACED = [p for p in INTERESTED if p != WITHDRAWN]


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    with smtp_inbox() as received:
        yield received


@pytest.fixture(scope="module")
def clock_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clock = tmp_path_factory.mktemp("clock") / "now"
    clock.write_text(BEFORE_WINDOW.isoformat(), encoding="utf-8")
    return clock


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, inbox: Inbox, clock_file: Path
) -> Iterator[Server]:
    """A server on the test clock whose background loop looks for due work every second."""
    require_browser()
    env = kontor_env(
        tmp_path_factory.mktemp("story"),
        **on_test_clock(clock_file),
        KONTOR_PORTFOLIO_TRANSFER_RUN_SECONDS="1",
        KONTOR_IMPORT_POLL_SECONDS="1",
        KONTOR_SMTP_HOST="127.0.0.1",
        KONTOR_SMTP_PORT=str(inbox.port),
        KONTOR_SMTP_STARTTLS="false",
    )
    with running_server(env) as running:
        add_user(running, INSURER, "insurer", ADMIN[0], "administrators", ADMIN[1])
        add_user(running, INSURER, "insurer", UNDERWRITER[0], "underwriters", UNDERWRITER[1])
        yield running


def person(browser: Any) -> Any:
    """A page in a browser context of its own (one person, one session)."""
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin",
                                  viewport={"width": 1400, "height": 900},
                                  accept_downloads=True)  # fmt: skip
    context.set_default_timeout(30_000)
    return context.new_page()


def upload_gdv(page: Any, file: Path) -> None:
    """Upload ``file`` on the Datenimport page and follow its run until step 9 of 9."""
    page.get_by_label("GDV-Datei").set_input_files(str(file))
    page.get_by_role("button", name="Hochladen").click()
    page.locator("#upload-result .message").wait_for()
    follow(page.get_by_role("link", name="Zu den Importläufen"))
    wait_for_status(page, file.name, "fertig", "Stand")  # the background runner's work
    assert status_of(page, file.name, "Schritt").startswith("Schritt 9/9")


def transfer_run(server: Server) -> dict[str, int]:
    """Run the due calculations and applications now, at the test clock's time (CLI)."""
    ran = subprocess.run([*KONTOR, "transfer", "run"], env=server.env, check=True,
                         capture_output=True, text=True)  # fmt: skip
    return dict(json.loads(ran.stdout))


def subjects(page: Any, base: str) -> list[str]:
    """The subjects of the push messages the person signed in on ``page`` received."""
    answer = page.request.get(f"{base}/api/notifications?limit=500")
    assert answer.ok, answer.text()
    return [n["subject"] for n in answer.json()]


@pytest.mark.timeout(1800)  # a hang guard for the whole story: dozens of pages and runs
def test_the_seed_story_from_broker_system_to_gezeichnet(
    server: Server, inbox: Inbox, clock_file: Path, browser: Any, tmp_path: Path
) -> None:
    base = server.base
    admin, broker, uw = person(browser), person(browser), person(browser)

    # the administrator creates the broker system; its first user is invited by e-mail
    sign_in(admin, base, *ADMIN)
    admin.goto(f"{base}/admin/broker-systems")
    follow(admin.get_by_role("link", name="Maklersystem anlegen"))
    admin.get_by_label("Firma").fill("Makler Nord GmbH")
    admin.get_by_label("Kennung").fill(BROKER)
    admin.get_by_label("Ansprechpartner").fill("Nora Nord")
    admin.get_by_label("E-Mail").fill(BROKER_LOGIN)
    admin.get_by_label("Anmeldename").fill(BROKER_LOGIN)
    admin.get_by_role("button", name="Maklersystem anlegen").click()
    admin.get_by_role("status").wait_for()
    assert admin.get_by_role("status").inner_text() == (
        "Maklersystem angelegt; die Einladung ist versandt."
    )

    # the broker accepts the invitation and imports the 2004 sample, then the campaign file
    wait_for(lambda: len(inbox.to(BROKER_LOGIN)) == 1, "the broker's invitation")
    broker.goto(inbox.link(BROKER_LOGIN))
    broker.get_by_label("Neues Kennwort").fill(BROKER_PASSWORD)
    broker.get_by_label("Kennwort wiederholen").fill(BROKER_PASSWORD)
    follow(broker.get_by_role("button", name="Kennwort setzen und anmelden"))
    assert broker.get_by_text("Angemeldet als Nora Nord").is_visible()
    sample = tmp_path / "musterdatei_041222.gdv"  # the platform takes .gdv files only
    sample.write_bytes(sample_bytes())
    campaign = tmp_path / "umdeckung.gdv"
    campaign.write_bytes(campaign_file(dt.date(2026, 12, 1), len(HOUSEHOLDS), len(BUILDINGS)))
    for upload in (sample, campaign):
        broker.goto(f"{base}{APP}/imports/upload")
        upload_gdv(broker, upload)
    assert axe_violations(broker) == []

    # the underwriter fills an empty tariff zone with 2 (GDV's Wohngebäude records have none)
    sign_in(uw, base, *UNDERWRITER)
    uw.goto(f"{base}{APP}/incoming")
    follow(uw.get_by_role("link", name="Standardwerte und Ablehnungskriterien"))
    uw.locator("#d0_field").select_option("Tarifzone")
    uw.locator("#d0_value").fill("2")
    uw.get_by_role("button", name="Standardwerte speichern").click()
    uw.get_by_text("Standardwerte gespeichert.").wait_for()

    # the broker adds the ten contracts to the Umdeckung app and forwards them in one selection
    broker.goto(f"{base}{APP}/contracts?q=ST-")
    assert sorted(cells(broker, 3)) == sorted(HOUSEHOLDS + BUILDINGS)
    added = run_on_selection(broker, HOUSEHOLDS + BUILDINGS, "Zur Umdeckung hinzufügen")
    assert added == [f"Kunde{n:02d}, Karl – Erledigt." for n in range(1, 11)]
    broker.goto(f"{base}{APP}/requests?q=ST-")
    assert {status_of(broker, p) for p in HOUSEHOLDS + BUILDINGS} == {"Warte auf Anfrage"}
    forwarded = run_on_selection(broker, HOUSEHOLDS + BUILDINGS, "Zur Anfrage weiterleiten")
    assert forwarded == sorted(f"{p} – Erledigt." for p in HOUSEHOLDS + BUILDINGS)

    # the underwriter rejects one, asks for information on one, sets interest on the rest
    uw.goto(f"{base}{APP}/incoming")
    assert sorted(cells(uw, 1)) == sorted(HOUSEHOLDS + BUILDINGS)
    assert run_on_row(uw, REJECTED, "Ablehnen", "Kein Interesse") == [f"{REJECTED} – Erledigt."]
    asked = run_on_row(uw, ASKED, "Informationsbedarf melden", "Bitte das Baujahr angeben")
    assert asked == [f"{ASKED} – Erledigt."]
    interest = run_on_selection(uw, INTERESTED, "Zeichnungsinteresse setzen")
    assert interest == sorted(f"{p} – Erledigt." for p in INTERESTED)
    follow(uw.get_by_role("link", name="ST-HR-1", exact=True))
    risk = uw.locator("dd", has_text="EFLSU").inner_text()
    assert risk == "EFLSU (Einbruchdiebstahl, Feuer, Leitungswasser, Sturm, Überspannung)"

    # interest puts the cases into Berechnung ausführen; before six o'clock no run calculates
    uw.goto(f"{base}{APP}/cases")
    clock_file.write_text(BEFORE_WINDOW.replace(minute=59).isoformat(), encoding="utf-8")
    assert transfer_run(server)["calculations"] == 0
    uw.reload()
    calculating = {status_of(uw, p, "Technischer Status") for p in INTERESTED}
    assert calculating == {"Berechnung ausführen"}
    clock_file.write_text(BEFORE_WINDOW.replace(hour=6, minute=0).isoformat(), encoding="utf-8")
    for policy in INTERESTED:
        wait_for_status(uw, policy, "Berechnung erfolgreich", "Technischer Status")
    assert status_of(uw, "ST-WG-1", "100 %-Prämie").endswith("€")
    assert axe_violations(uw) == []

    # the broker answers the information request and withdraws and deletes one request
    broker.goto(f"{base}{APP}/requests?q=ST-")
    assert status_of(broker, ASKED, "Bemerkung") == "Bitte das Baujahr angeben"
    assert run_on_row(broker, ASKED, "Informationsbedarf lösen") == [f"{ASKED} – Erledigt."]
    assert run_on_row(broker, WITHDRAWN, "Anfrage zurückziehen") == [f"{WITHDRAWN} – Erledigt."]
    assert run_on_row(broker, WITHDRAWN, "Löschen") == [f"{WITHDRAWN} – Erledigt."]
    broker.reload()
    assert status_of(broker, ASKED) == "Erneute Anfrage"
    assert status_of(broker, REJECTED) == "Abgelehnt"
    assert WITHDRAWN not in cells(broker, 1)

    # the insurer's side: the deleted request is gone; the answered one is asked again
    uw.goto(f"{base}{APP}/incoming")
    assert WITHDRAWN not in cells(uw, 1)
    assert status_of(uw, ASKED) == "Erneute Anfrage"
    uw.goto(f"{base}{APP}/cases")
    assert sorted(cells(uw, 1)) == sorted(PLACED)
    proposed = run_on_selection(uw, PLACED, "Beantragung")
    assert proposed == sorted(f"{p} – Erledigt." for p in PLACED)

    # the broker confirms the proposals; five minutes on, the background run places them
    broker.goto(f"{base}{APP}/requests?q=ST-")
    assert {status_of(broker, p) for p in PLACED} == {"Beantragungswunsch"}
    confirmed = run_on_selection(broker, PLACED, "Beantragung ausführen")
    assert confirmed == sorted(f"{p} – Erledigt." for p in PLACED)
    clock_file.write_text(BEFORE_WINDOW.replace(hour=6, minute=5).isoformat(), encoding="utf-8")
    for policy in PLACED:
        wait_for_status(broker, policy, "Gezeichnet")
    assert axe_violations(broker) == []

    # both sides received the push messages, shown live on their pages
    for side, wanted in ((broker, "Umdeckung"), (uw, "Zeichnungsvorgang")):
        side.locator("#notifications .notification-subject").wait_for()
        assert side.locator("#notifications .notification-subject").inner_text() != ""
        assert any(s.startswith(wanted) for s in subjects(side, base)), subjects(side, base)
    assert any(s.endswith(": Gezeichnet") for s in subjects(broker, base))
    assert any(s.endswith(": Berechnung erfolgreich") for s in subjects(uw, base))

    # the underwriter's protocol of one case, exported to Excel
    uw.goto(f"{base}{APP}/cases")
    follow(uw.get_by_role("link", name="ST-WG-1", exact=True))
    with uw.expect_download() as download:
        uw.get_by_role("link", name="Protokoll als Excel").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Zeitpunkt (UTC)", "Vorgang", "Vertrag", "Art", "Benutzer", "Eintrag"]
    kinds = {row[3] for row in rows[1:]}
    assert {"Status", "Zeichnungsvorgang", "Berechnung", "Beantragung"} <= kinds
    assert any(row[5].startswith("getQuote: 100 %-Prämie") for row in rows[1:])
    assert any(row[5].startswith("setOrder: Versicherungsschein") for row in rows[1:])
    assert any(row[5].endswith("Status Gezeichnet") for row in rows[1:])
