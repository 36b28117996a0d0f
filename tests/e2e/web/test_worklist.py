"""The task work list and the task view in a real browser: search (kept for 8 hours), sort,
paging, the context menu on a selection and on one row, the XLSX export, a task completed
through its form."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from support.browser import (
    axe_violations,
    create_task,
    due,
    follow,
    operator_id,
    require_browser,
    screenshot,
    sign_in,
)
from support.server import Server, kontor_env, running_server


@pytest.fixture(scope="module")
def tasks(server: Server) -> dict[str, str]:
    """30 review tasks and 3 queries for the operator, one with a formula-like name."""
    me = operator_id(server)
    created = {}
    for number in range(1, 31):
        name = f"Prüfung Nr. {number:02d}"
        created[name] = create_task(
            server, name=name, assignee=me, priority=number, due_at=due(number)
        )
    for letter in "ABC":
        name = f"Rückfrage Makler {letter}"
        created[name] = create_task(server, name=name, assignee=me, priority=90, due_at=due(40))
    created["=SUMME(A1)"] = create_task(server, name="=SUMME(A1)", assignee=me, due_at=due(50))
    return created


def names(page: Any) -> list[str]:
    """The task names the table shows, top to bottom."""
    return [
        text.strip()
        for text in page.locator("#table-area tbody tr.data-row td:first-child").all_inner_texts()
    ]


def test_search_is_kept_and_sorting_and_paging_work(
    server: Server, page: Any, tasks: dict[str, str]
) -> None:
    sign_in(page, server.base)
    page.goto(f"{server.base}/tasks")
    assert names(page)[:2] == ["Prüfung Nr. 01", "Prüfung Nr. 02"]  # by due date
    assert page.locator(".total").inner_text() == str(len(tasks))
    assert len(names(page)) == 25
    follow(page.get_by_role("link", name="Weiter"))
    assert names(page)[0] == "Prüfung Nr. 26"
    follow(page.get_by_role("link", name="Priorität"))  # ascending
    assert names(page)[0] == "Prüfung Nr. 01"
    follow(page.get_by_role("link", name="Priorität"))  # descending
    assert names(page)[:3] == ["Rückfrage Makler A", "Rückfrage Makler B", "Rückfrage Makler C"]
    page.get_by_label("Suche in allen Spalten").fill("rückfrage")
    with page.expect_response(lambda r: r.url.startswith(f"{server.base}/tasks?")) as searched:
        follow(page.get_by_role("button", name="Suchen"))
    kept = [h["value"] for h in searched.value.headers_array() if h["name"].lower() == "set-cookie"]
    assert any("Max-Age=28800" in cookie for cookie in kept), kept  # the seed's 8 hours
    assert sorted(names(page)) == ["Rückfrage Makler A", "Rückfrage Makler B", "Rückfrage Makler C"]
    screenshot(page, "work-list")
    page.goto(f"{server.base}/tasks")  # later, without the search in the URL: it is kept
    assert page.get_by_label("Suche in allen Spalten").input_value() == "rückfrage"
    assert len(names(page)) == 3
    assert axe_violations(page) == []
    follow(page.get_by_role("link", name="Suche löschen"))
    assert len(names(page)) == 25


def test_a_context_menu_action_applies_to_the_selection_or_only_to_the_clicked_row(
    server: Server, page: Any, tasks: dict[str, str]
) -> None:
    sign_in(page, server.base)
    page.goto(f"{server.base}/tasks?q=Nr.%201&sort=priority")  # Nr. 10 … 19
    rows = page.locator("#table-area tbody tr.data-row")
    for index in (0, 1, 2):
        rows.nth(index).get_by_role("checkbox").check()
    assert page.locator(".selected-count").inner_text() == "3"
    rows.nth(1).click(button="right")
    menu = page.get_by_role("dialog")
    menu.wait_for()
    assert menu.locator(".menu-scope").inner_text() == "Aktion für 3 ausgewählte Zeilen"
    screenshot(page, "context-menu")
    assert axe_violations(page) == []
    menu.get_by_role("button", name="Beginnen").click()
    results = page.locator("#action-results .result-list li")
    results.first.wait_for()
    assert sorted(results.all_inner_texts()) == [
        "Prüfung Nr. 10 – Erledigt.", "Prüfung Nr. 11 – Erledigt.", "Prüfung Nr. 12 – Erledigt.",
    ]  # fmt: skip
    page.wait_for_function(
        "() => document.querySelectorAll('#table-area .badge-in_progress').length === 3"
    )
    # a row outside the selection: the action is for that row only
    rows = page.locator("#table-area tbody tr.data-row")
    rows.nth(0).get_by_role("checkbox").check()
    rows.nth(5).click(button="right")
    menu = page.get_by_role("dialog")
    assert menu.locator(".menu-scope").inner_text() == "Aktion für Zeile: Prüfung Nr. 15"
    menu.get_by_role("button", name="Beginnen").click()
    page.wait_for_function(
        "() => document.querySelector('#action-results li').textContent.includes('Nr. 15')"
    )
    assert results.all_inner_texts() == ["Prüfung Nr. 15 – Erledigt."]
    # the table shows the result before a row is focused (a refresh replaces the rows)
    page.wait_for_function(
        "() => document.querySelectorAll('#table-area .badge-in_progress').length === 4"
    )
    # by keyboard: the menu key on a focused row, and an action that is not possible
    page.locator("#table-area tbody tr.data-row").nth(0).focus()
    page.keyboard.press("Shift+F10")
    menu = page.get_by_role("dialog")
    assert menu.locator(".menu-scope").inner_text() == "Aktion für Zeile: Prüfung Nr. 10"
    menu.get_by_role("button", name="Beginnen").click()
    page.wait_for_function(
        "() => document.querySelector('#action-results li').textContent.includes('Nr. 10')"
    )
    assert results.all_inner_texts() == [
        "Prüfung Nr. 10 – Nicht möglich: die Aufgabe ist in Bearbeitung."
    ]


def test_the_table_exports_to_xlsx_with_formulas_made_harmless(
    server: Server, page: Any, tasks: dict[str, str], tmp_path: Path
) -> None:
    sign_in(page, server.base)
    page.goto(f"{server.base}/tasks?q=&sort=due_at")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    saved = tmp_path / "aufgaben.xlsx"
    download.value.save_as(saved)
    book = load_workbook(saved, read_only=True)
    try:
        rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    finally:
        book.close()  # read-only books keep the file open until closed
    assert rows[0][:3] == ["Aufgabe", "Status", "Bearbeiter"]
    assert len(rows) == 1 + len(tasks)
    assert rows[1][0] == "Prüfung Nr. 01"
    assert rows[-1][0] == "'=SUMME(A1)"  # shown as text, never run as a formula


def test_a_task_is_completed_through_its_form_after_a_german_field_error(
    server: Server, page: Any
) -> None:
    task_id = create_task(
        server, name="Schaden prüfen", assignee=operator_id(server), form_key="kontor.review",
        variables={"schadennummer": "S-4711"},
    )  # fmt: skip
    sign_in(page, server.base)
    page.goto(f"{server.base}/tasks/{task_id}")
    assert page.get_by_role("heading", level=1).inner_text() == "Schaden prüfen"
    assert "S-4711" in page.locator(".variables").inner_text()
    assert axe_violations(page) == []
    page.get_by_label("Betrag (EUR)").fill("zwölf")
    page.get_by_role("button", name="Abschließen").click()
    page.locator(".field-error").first.wait_for()
    errors = page.locator(".field-error").all_inner_texts()
    assert errors == ["Pflichtfeld: bitte ausfüllen.", "Bitte eine Zahl eingeben."]
    screenshot(page, "task-form")
    page.get_by_label("Annehmen").check()
    page.get_by_label("Betrag (EUR)").fill("1.234,50")
    page.get_by_role("button", name="Abschließen").click()
    page.get_by_role("status").wait_for()
    assert page.locator(".task-state").inner_text() == "erledigt"
    with server.client() as client:
        answer = client.get(f"/api/tasks/{task_id}")
    variables = json.loads(answer.text, parse_float=Decimal)["variables"]
    assert variables["decision"] == "approve"
    assert variables["amount"] == Decimal("1234.50")  # exact, as typed in German


def test_all_rows_matching_a_filter_are_chosen_beyond_the_page(
    server: Server, page: Any, tasks: dict[str, str]
) -> None:
    sign_in(page, server.base)
    page.goto(f"{server.base}/tasks?q=Prüfung&sort=priority")  # 30 rows on two pages
    page.get_by_role("checkbox", name="Zeile auswählen: Prüfung Nr. 02").check()
    page.get_by_role("button", name="Alle Treffer dieses Filters auswählen").click()
    assert page.locator(".selected-count").inner_text() == "30"
    page.get_by_role("button", name="Aktionen für Auswahl").click()
    menu = page.get_by_role("dialog")
    assert menu.locator(".menu-scope").inner_text() == "Aktion für alle 30 Treffer dieses Filters"
    menu.get_by_label("Begründung (falls nötig)").fill("Frist läuft ab")
    menu.get_by_role("button", name="Eskalieren").click()
    results = page.locator("#action-results .result-list li")
    results.first.wait_for()
    assert len(results.all_inner_texts()) == 30
    assert all(text.endswith("Erledigt.") for text in results.all_inner_texts())
    with server.client() as client:
        history = client.get(f"/api/tasks/{tasks['Prüfung Nr. 29']}").json()["history"]
    assert history[-1]["operation"] == "escalate"  # on the second page, escalated too
    assert history[-1]["reason"] == "Frist läuft ab"


def test_the_task_analytics_show_charts_with_their_tables(server: Server, page: Any) -> None:
    create_task(server, name="Auswertung prüfen", assignee=operator_id(server))
    sign_in(page, server.base)
    follow(page.get_by_role("navigation").get_by_role("link", name="Auswertung"))
    assert page.get_by_role("heading", level=1).inner_text() == "Auswertung der Aufgaben"
    page.get_by_label("Gruppiert nach").select_option("name")
    follow(page.get_by_role("button", name="Anzeigen"))
    assert "Auswertung prüfen" in page.locator("table").first.inner_text()
    drawn = "id => Boolean(window.Chart && window.Chart.getChart(document.getElementById(id)))"
    page.wait_for_function(f"({drawn})('chart-created')")
    for chart in ("chart-cycle", "chart-shares", "chart-created", "chart-missed"):
        assert page.evaluate(drawn, chart)
    assert axe_violations(page) == []
    screenshot(page, "task-analytics")
    follow(page.get_by_role("link", name="Vorgänge je Status"))
    assert page.get_by_role("heading", level=1).inner_text() == "Vorgänge je Status"
    assert axe_violations(page) == []


def test_a_file_is_attached_to_a_task_downloaded_and_removed_in_the_browser(
    server: Server, page: Any, tmp_path: Path
) -> None:
    task_id = create_task(server, name="Gutachten ablegen", assignee=operator_id(server))
    report = tmp_path / "Gutachten Müller.pdf"
    report.write_bytes(b"%PDF-1.4 " + b"Gutachten " * 300)
    sign_in(page, server.base)
    page.goto(f"{server.base}/tasks/{task_id}")
    page.get_by_label("Datei anhängen").set_input_files(report)
    page.get_by_role("button", name="Hochladen").click()
    page.get_by_role("status").wait_for()
    assert page.get_by_role("status").inner_text() == "Anhang gespeichert."
    listed = page.get_by_role("table", name="Anhänge")
    assert "3 kB" in listed.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "task-attachments")
    with page.expect_download() as downloading:
        listed.get_by_role("link", name="Gutachten Müller.pdf").click()
    assert Path(downloading.value.path()).read_bytes() == report.read_bytes()
    assert downloading.value.suggested_filename == "Gutachten Müller.pdf"
    page.once("dialog", lambda dialog: dialog.accept())  # "Diesen Anhang entfernen?"
    listed.get_by_role("button", name="Entfernen").click()
    page.get_by_text("Anhang entfernt.").wait_for()
    assert "Keine Anhänge." in page.locator("#task-body").inner_text()


def test_a_user_hides_a_column_and_the_table_remembers_it(
    server: Server, page: Any, tasks: dict[str, str]
) -> None:
    sign_in(page, server.base)
    page.goto(f"{server.base}/tasks")
    page.locator(".column-layout summary").click()
    assert axe_violations(page) == []
    page.get_by_label("Vorgang anzeigen").uncheck()
    page.get_by_label("Position von Priorität").fill("1")
    with page.expect_navigation():  # saved, then the page reloads with the layout
        page.get_by_role("button", name="Spalten übernehmen").click()
    headers = page.locator("#table-area thead th").all_inner_texts()
    assert [h.strip() for h in headers if h.strip()][:2] == ["Priorität", "Aufgabe"]
    assert "Vorgang" not in [h.strip() for h in headers]
    page.locator(".column-layout summary").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Zurücksetzen").click()
    headers = page.locator("#table-area thead th").all_inner_texts()
    assert [h.strip() for h in headers if h.strip()][:2] == ["Aufgabe", "Status"]


@pytest.fixture(scope="module")
def case_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose application registers the test case type (``support.cases``)."""
    require_browser()
    tests = Path(__file__).resolve().parents[2]
    env = kontor_env(
        tmp_path_factory.mktemp("cases"), KONTOR_CASE_TYPE_MODULES='["support.cases"]',
        PYTHONPATH=os.pathsep.join(filter(None, (str(tests), os.environ.get("PYTHONPATH")))),
    )  # fmt: skip
    with running_server(env) as running:
        yield running


def test_the_case_view_shows_stages_tasks_and_documents_and_takes_a_document(
    case_server: Server, page: Any, tmp_path: Path
) -> None:
    claim = {"case_type": "claim", "business_key": "S-77", "title": "Hagelschaden Dach",
             "data": {"claim_number": "S-77"}}  # fmt: skip
    with case_server.client() as client:
        case = client.post("/api/cases", content=json.dumps(claim),
                           headers={"Content-Type": "application/json"}).json()  # fmt: skip
    create_task(case_server, name="Gutachter beauftragen", case_id=case["case_id"])
    letter = tmp_path / "Schadenmeldung.pdf"
    letter.write_bytes(b"%PDF-1.4 Brief")
    sign_in(page, case_server.base)
    page.goto(f"{case_server.base}/cases/{case['case_id']}")
    assert page.get_by_role("heading", level=1).inner_text() == "Hagelschaden Dach"
    assert "aktuell" in page.get_by_role("table", name="Phasen").inner_text()
    assert "Gutachter beauftragen" in page.get_by_role("table", name="Aufgaben").inner_text()
    page.get_by_label("Dokument hinzufügen").set_input_files(letter)
    page.get_by_role("button", name="Hochladen").click()
    page.get_by_text("Dokument gespeichert.").wait_for()
    assert "Schadenmeldung.pdf" in page.get_by_role("table", name="Dokumente").inner_text()
    assert "Dokument hinzugefügt" in page.get_by_role("table", name="Verlauf").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "case-view")
