"""The process cockpit in a real browser: the deployed versions with their counts, the BPMN
diagram (bpmn-js, watermark kept) with the tokens and incidents marked, the instance list with
search, an instance with its token on the diagram, and an incident retried from its page. Every
page passes axe-core."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import pytest

from support.browser import axe_violations, follow, screenshot, sign_in
from support.diagrams import CLAIM_DIAGRAM
from support.models import WAIT
from support.server import Server

FETCH = {"worker_id": "scorer", "topics": [{"name": "score", "lock_duration_ms": 60_000}]}


def start_claim(client: httpx.Client, business_key: str) -> tuple[str, str]:
    """A claim waiting for its score; the instance id and the score job's id."""
    started = client.post(
        "/api/process/definitions/Claim/start", json={"business_key": business_key}
    )
    assert started.status_code == 201, started.text
    [job] = client.post("/api/process/external-tasks/fetch-and-lock", json=FETCH).json()
    assert job["instance_id"] == started.json()["instance_id"]
    return str(job["instance_id"]), str(job["job_id"])


@pytest.fixture(scope="module")
def claims(server: Server) -> dict[str, str]:
    """One claim waiting in its review, one stopped by an incident at its score."""
    with server.client() as client:
        assert client.post("/api/process/definitions", content=CLAIM_DIAGRAM).status_code == 201
        reviewed, job = start_claim(client, "Schaden 4711")
        done = {"worker_id": "scorer", "variables": {"score": 80}}
        assert client.post(f"/api/process/external-tasks/{job}/complete", json=done).is_success
        stopped, job = start_claim(client, "Schaden 4712")
        failure = {
            "worker_id": "scorer",
            "error_message": "Bewertung nicht erreichbar",
            "retries": 0,
        }
        failed = client.post(f"/api/process/external-tasks/{job}/failure", json=failure)
        assert failed.status_code == 204, failed.text
    return {"review": reviewed, "incident": stopped}


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
    server: Server, page: Any, claims: dict[str, str]
) -> None:
    sign_in(page, server.base)
    follow(page.get_by_role("navigation").get_by_role("link", name="Prozesse"))
    assert page.get_by_role("heading", level=1).inner_text() == "Prozesse"
    row = page.locator('tr[data-process="Claim"]')
    assert row.locator(".running").inner_text() == "2"
    assert row.locator(".incidents").inner_text() == "1"
    assert axe_violations(page) == []
    screenshot(page, "cockpit-processes")
    follow(row.get_by_role("link", name="Claim"))
    shown_diagram(page)
    assert marks_of(page, "Review") == {"kontor-active"}
    assert marks_of(page, "Score") == {"kontor-active", "kontor-incident"}
    assert page.locator(".bjs-powered-by").is_visible()  # the bpmn.io watermark stays
    assert axe_violations(page) == []
    screenshot(page, "cockpit-process")


def test_an_instance_found_by_search_shows_its_token_on_the_diagram(
    server: Server, page: Any, claims: dict[str, str]
) -> None:
    sign_in(page, server.base)
    page.goto(f"{server.base}/cockpit/instances")
    page.get_by_label("Suche in allen Spalten").fill("4711")
    follow(page.get_by_role("button", name="Suchen"))
    rows = page.locator("#table-area tr.data-row")
    assert rows.count() == 1
    assert axe_violations(page) == []
    screenshot(page, "cockpit-instances")
    follow(rows.first.get_by_role("link"))
    assert page.url.endswith(f"/cockpit/instances/{claims['review']}")
    shown_diagram(page)
    assert marks_of(page, "Review") == {"kontor-active"}
    assert marks_of(page, "Score") == {"kontor-completed"}
    assert page.locator(".active-elements").inner_text() == "Review"
    assert page.locator('tr[data-variable="score"]').inner_text().split() == ["score", "80"]
    assert axe_violations(page) == []
    screenshot(page, "cockpit-instance")


def test_an_incident_is_retried_from_the_instance_page(
    server: Server, page: Any, claims: dict[str, str]
) -> None:
    sign_in(page, server.base)
    page.goto(f"{server.base}/cockpit/instances/{claims['incident']}")
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
    with server.client() as client:  # the worker gets the job again
        [job] = client.post("/api/process/external-tasks/fetch-and-lock", json=FETCH).json()
    assert job["instance_id"] == claims["incident"]
    assert axe_violations(page) == []


def test_a_model_without_diagram_information_says_so(server: Server, page: Any) -> None:
    with server.client() as client:
        assert client.post("/api/process/definitions", content=WAIT).status_code in (200, 201)
    sign_in(page, server.base)
    page.goto(f"{server.base}/cockpit/processes/Wait/1")
    figure = page.locator(".bpmn-diagram[data-state]")
    figure.wait_for()
    assert figure.get_attribute("data-state") == "failed"
    assert page.get_by_role("alert").inner_text().startswith("Das Diagramm kann nicht angezeigt")
