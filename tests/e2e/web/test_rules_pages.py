"""Rules in a real browser: the deployed models in the dmn-js viewer (watermark kept), a hook
point rebound to another decision so that the next task is routed differently, and the
decision records with the rules that matched highlighted. Every page passes axe-core."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import pytest

from support.browser import axe_violations, create_task, follow, screenshot, sign_in
from support.diagrams import routing_model
from support.server import Server

CLAIMS = routing_model("schaden_routing", [('"Eilt"', "eilig", 90), ('not("Eilt")', "schaden", 40)])
SPECIAL = routing_model("spezial_routing", [("-", "spezial", 70)])


def deploy(client: httpx.Client, xml: str, name: str) -> None:
    """Deploy a DMN model as a file upload."""
    answer = client.post("/api/rules/deployments", files={"file": (name, xml.encode())})
    assert answer.status_code in (200, 201), answer.text


def groups_of(server: Server, task_id: str) -> list[str]:
    """The candidate groups the routing gave the task."""
    with server.client() as client:
        return list(client.get(f"/api/tasks/{task_id}").json()["candidate_groups"])


@pytest.fixture(scope="module")
def routing(server: Server) -> None:
    """Two routing models; ``task.created`` asks the claims routing."""
    with server.client() as client:
        deploy(client, CLAIMS, "schaden.dmn")
        deploy(client, SPECIAL, "spezial.dmn")
        bound = client.put(
            "/api/rules/hooks/task.created",
            json={"model_key": "schaden_routing", "decision": "Route"},
        )
        assert bound.status_code == 200, bound.text


def shown_model(page: Any) -> Any:
    """The page's decision model once dmn-js has drawn the decision's table."""
    figure = page.locator(".dmn-diagram[data-state='shown']")
    figure.wait_for()
    return figure


@pytest.mark.usefixtures("routing")
def test_rebinding_the_hook_routes_the_next_task_differently(server: Server, page: Any) -> None:
    first = create_task(server, name="Schaden prüfen")
    assert groups_of(server, first) == ["schaden"]
    sign_in(page, server.base)
    follow(page.get_by_role("navigation").get_by_role("link", name="Regeln"))
    hook = page.locator('tr[data-hook="task.created"]')
    assert hook.locator(".binding").inner_text() == "schaden_routing · Route · neueste Version"
    assert axe_violations(page) == []
    screenshot(page, "rules")
    hook.get_by_label("Entscheidung für task.created").select_option(
        label="spezial_routing · Route · neueste Version"
    )
    with page.expect_navigation():
        hook.get_by_role("button", name="Binden").click()
    assert page.get_by_role("status").inner_text() == "Hook-Punkt gebunden."
    assert hook.locator(".binding").inner_text() == "spezial_routing · Route · neueste Version"
    second = create_task(server, name="Schaden prüfen")
    assert groups_of(server, second) == ["spezial"]


@pytest.mark.usefixtures("routing")
def test_a_model_shows_in_the_viewer_with_the_watermark(server: Server, page: Any) -> None:
    sign_in(page, server.base)
    page.goto(f"{server.base}/rules")
    follow(page.locator('tr[data-model="schaden_routing"]').get_by_role("link"))
    figure = shown_model(page)
    assert figure.get_attribute("data-view") == "route"
    assert "Eilt" in figure.locator(".tjs-table").inner_text()
    assert figure.locator(".bjs-powered-by").is_visible()  # the bpmn.io watermark stays
    assert axe_violations(page) == []
    screenshot(page, "rules-model")
    page.get_by_label("Testfälle als CSV").fill(
        "name,decision,in:name,out:candidateGroups,out:priority\n"
        "eilig,Route,Eilt,eilig,90\nsonst,Route,Post,schaden,40\n"
    )
    page.get_by_role("button", name="Testfälle ausführen").click()
    totals = page.locator(".scenario-totals")
    totals.wait_for()
    assert totals.inner_text() == "Bestanden: 2 · Fehlgeschlagen: 0 · Gesamt: 2"
    assert axe_violations(page) == []


@pytest.mark.usefixtures("routing")
def test_a_decision_record_shows_which_rule_matched(server: Server, page: Any) -> None:
    with server.client() as client:
        client.put(
            "/api/rules/hooks/task.created",
            json={"model_key": "schaden_routing", "decision": "Route"},
        )
    urgent = create_task(server, name="Eilt")
    assert groups_of(server, urgent) == ["eilig"]
    sign_in(page, server.base)
    page.goto(f"{server.base}/rules/decisions?hook=task.created")
    assert axe_violations(page) == []
    screenshot(page, "rules-decisions")
    follow(page.locator("table.records tbody tr").first.get_by_role("link"))
    explanation = page.locator("section.explanation")
    assert "Regel 1 (schaden_routing_r0)" in explanation.locator(".matched-rules").inner_text()
    figure = shown_model(page)
    matched = figure.locator("td.dmn-matched")
    assert matched.count() > 0
    assert {cell.get_attribute("data-row-id") for cell in matched.all()} == {"schaden_routing_r0"}
    assert axe_violations(page) == []
    figure.scroll_into_view_if_needed()
    screenshot(page, "rules-decision")
