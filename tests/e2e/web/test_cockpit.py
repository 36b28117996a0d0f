"""The process cockpit in a real browser: the deployed versions with their counts, the BPMN
diagram (bpmn-js, watermark kept) with the tokens and incidents marked, the instance list with
search, an instance with its token on the diagram, an incident retried and a token moved by a
click in the diagram. Every page passes axe-core. Each test works on a process of its own."""

from __future__ import annotations

from typing import Any

import pytest

from support.browser import axe_violations, follow, screenshot, sign_in
from support.diagrams import claim_diagram
from support.models import WAIT
from support.server import Server


class Claims:
    """Claims of one process key of their own, started and moved through the API."""

    def __init__(self, server: Server, key: str) -> None:
        self.server, self.key = server, key
        self.fetch = {
            "worker_id": "scorer",
            "topics": [{"name": f"{key}-score", "lock_duration_ms": 60_000}],
        }
        with server.client() as client:
            deployed = client.post("/api/process/definitions", content=claim_diagram(key))
            assert deployed.status_code == 201, deployed.text

    def _waiting(self, business_key: str) -> tuple[str, str]:
        with self.server.client() as client:
            path = f"/api/process/definitions/{self.key}/start"
            started = client.post(path, json={"business_key": business_key})
            assert started.status_code == 201, started.text
            [job] = client.post(
                "/api/process/external-tasks/fetch-and-lock", json=self.fetch
            ).json()
        assert job["instance_id"] == started.json()["instance_id"]
        return str(job["instance_id"]), str(job["job_id"])

    def in_review(self, business_key: str) -> str:
        """A claim scored and waiting for its review."""
        instance_id, job = self._waiting(business_key)
        with self.server.client() as client:
            done = {"worker_id": "scorer", "variables": {"score": 80}}
            assert client.post(f"/api/process/external-tasks/{job}/complete", json=done).is_success
        return instance_id

    def stopped(self, business_key: str) -> str:
        """A claim whose score failed for good: an incident."""
        instance_id, job = self._waiting(business_key)
        failure = {
            "worker_id": "scorer",
            "error_message": "Bewertung nicht erreichbar",
            "retries": 0,
        }
        with self.server.client() as client:
            failed = client.post(f"/api/process/external-tasks/{job}/failure", json=failure)
        assert failed.status_code == 204, failed.text
        return instance_id

    def job_offered(self) -> str:
        """The instance whose score job a worker gets now."""
        with self.server.client() as client:
            [job] = client.post(
                "/api/process/external-tasks/fetch-and-lock", json=self.fetch
            ).json()
        return str(job["instance_id"])


def shown_diagram(page: Any) -> Any:
    """The page's diagram once bpmn-js has drawn it and the marks are on it."""
    figure = page.locator(".bpmn-diagram[data-state]")
    figure.wait_for()
    assert figure.get_attribute("data-state") == "shown"
    return figure


def element(page: Any, element_id: str) -> Any:
    """The drawn shape of ``element_id``."""
    return page.locator(f'.djs-element.djs-shape[data-element-id="{element_id}"]')


def marks_of(page: Any, element_id: str) -> set[str]:
    """The cockpit's marks on the shape of ``element_id``."""
    classes = element(page, element_id).get_attribute("class") or ""
    return {name for name in classes.split() if name.startswith("kontor-")}


def test_the_definitions_show_counts_and_the_diagram_marks_tokens_and_incidents(
    server: Server, page: Any
) -> None:
    claims = Claims(server, "Schaden")
    claims.in_review("Schaden 1")
    claims.stopped("Schaden 2")
    sign_in(page, server.base)
    follow(page.get_by_role("navigation").get_by_role("link", name="Prozesse"))
    assert page.get_by_role("heading", level=1).inner_text() == "Prozesse"
    row = page.locator('tr[data-process="Schaden"]')
    assert row.locator(".running").inner_text() == "2"
    assert row.locator(".incidents").inner_text() == "1"
    assert axe_violations(page) == []
    screenshot(page, "cockpit-processes")
    follow(row.get_by_role("link", name="Schaden"))
    shown_diagram(page)
    assert marks_of(page, "Review") == {"kontor-active"}
    assert marks_of(page, "Score") == {"kontor-active", "kontor-incident"}
    assert page.locator(".bjs-powered-by").is_visible()  # the bpmn.io watermark stays
    assert axe_violations(page) == []
    screenshot(page, "cockpit-process")


def test_an_instance_found_by_search_shows_its_token_on_the_diagram(
    server: Server, page: Any
) -> None:
    claims = Claims(server, "Suche")
    reviewed = claims.in_review("Schaden 4711")
    claims.stopped("Schaden 4712")
    sign_in(page, server.base)
    page.goto(f"{server.base}/cockpit/instances")
    page.get_by_label("Suche in allen Spalten").fill("4711")
    follow(page.get_by_role("button", name="Suchen"))
    rows = page.locator("#table-area tr.data-row")
    assert rows.count() == 1
    assert axe_violations(page) == []
    screenshot(page, "cockpit-instances")
    follow(rows.first.get_by_role("link"))
    assert page.url.endswith(f"/cockpit/instances/{reviewed}")
    shown_diagram(page)
    assert marks_of(page, "Review") == {"kontor-active"}
    assert marks_of(page, "Score") == {"kontor-completed"}
    assert page.locator(".active-elements").inner_text() == "Review"
    assert page.locator('tr[data-variable="score"]').inner_text().split() == ["score", "80"]
    assert axe_violations(page) == []
    screenshot(page, "cockpit-instance")


def test_an_incident_is_retried_from_the_instance_page(server: Server, page: Any) -> None:
    claims = Claims(server, "Wiederholung")
    stopped = claims.stopped("Schaden 7")
    sign_in(page, server.base)
    page.goto(f"{server.base}/cockpit/instances/{stopped}")
    shown_diagram(page)
    assert marks_of(page, "Score") == {"kontor-active", "kontor-incident"}
    incident = page.locator("tr.incident.open")
    assert "Bewertung nicht erreichbar" in incident.inner_text()
    with page.expect_navigation():
        incident.get_by_role("button", name="Erneut versuchen").click()
    assert page.get_by_role("status").inner_text() == "Der Vorfall wird erneut versucht."
    shown_diagram(page)
    assert marks_of(page, "Score") == {"kontor-active"}
    assert page.locator("tr.incident.open").count() == 0
    assert page.locator("tr.incident.resolved").count() == 1
    assert claims.job_offered() == stopped  # the worker gets the job again
    assert axe_violations(page) == []


def test_a_token_is_moved_to_the_element_clicked_in_the_diagram(server: Server, page: Any) -> None:
    claims = Claims(server, "Verschieben")
    stopped = claims.stopped("Schaden 8")
    sign_in(page, server.base)
    page.goto(f"{server.base}/cockpit/instances/{stopped}")
    shown_diagram(page)
    assert page.get_by_label("Von").input_value() == "Score"
    element(page, "Review").click()
    assert page.get_by_label("Nach (oder ins Diagramm klicken)").input_value() == "Review"
    assert "kontor-picked" in marks_of(page, "Review")
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.get_by_role("button", name="Verschieben").click()
    assert page.get_by_role("status").inner_text() == "Das Token ist verschoben."
    shown_diagram(page)
    assert marks_of(page, "Review") == {"kontor-active"}
    assert page.locator(".active-elements").inner_text() == "Review"


def test_instances_migrate_with_the_mapping_picked_in_the_target_diagram(
    server: Server, page: Any
) -> None:
    claims = Claims(server, "Umzug")
    reviewed = claims.in_review("Schaden 9")
    renamed = claim_diagram("Umzug").replace('"Review"', '"Check"')
    with server.client() as client:
        assert client.post("/api/process/definitions", content=renamed).status_code == 201
    sign_in(page, server.base)
    page.goto(f"{server.base}/cockpit/processes/Umzug/1")
    follow(page.get_by_role("link", name="Instanzen migrieren"))
    shown_diagram(page)
    mapping = page.locator("#map-1")
    mapping.focus()
    element(page, "Check").click()
    assert mapping.input_value() == "Check"
    page.get_by_role("button", name="Prüfen").click()
    totals = page.locator(".migration-totals", has_text="Prüfung:")
    totals.wait_for()
    assert totals.inner_text() == "Prüfung: 1 von 1 Instanzen migrierbar"
    assert axe_violations(page) == []
    screenshot(page, "cockpit-migration")
    page.get_by_role("button", name="Migrieren").click()
    done = page.locator(".migration-totals", has_text="Migration:")
    done.wait_for()
    assert done.inner_text() == "Migration: 1 von 1 Instanzen migriert"
    page.goto(f"{server.base}/cockpit/instances/{reviewed}")
    shown_diagram(page)
    assert marks_of(page, "Check") == {"kontor-active"}


def test_a_model_without_diagram_information_says_so(server: Server, page: Any) -> None:
    with server.client() as client:
        assert client.post("/api/process/definitions", content=WAIT).status_code in (200, 201)
    sign_in(page, server.base)
    page.goto(f"{server.base}/cockpit/processes/Wait/1")
    figure = page.locator(".bpmn-diagram[data-state]")
    figure.wait_for()
    assert figure.get_attribute("data-state") == "failed"
    assert page.get_by_role("alert").inner_text().startswith("Das Diagramm kann nicht angezeigt")


@pytest.mark.parametrize("path", ["/cockpit/instances/unbekannt", "/cockpit/processes/Fehlt/1"])
def test_unknown_instances_and_versions_are_not_found(server: Server, page: Any, path: str) -> None:
    sign_in(page, server.base)
    response = page.goto(f"{server.base}{path}")
    assert response is not None
    assert response.status == 404
