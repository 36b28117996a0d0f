"""A task whose form is a Camunda Form (as the Camunda Modeler writes it) in a real browser:
form-js draws it with the task's data, a draft keeps what was typed, the server's German
message stands at the wrong field and completes nothing, correct data completes the task."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from support.browser import axe_violations, create_task, operator_id, screenshot, sign_in
from support.server import Server

CLAIM_FORM = json.loads(
    (Path(__file__).parents[2] / "support" / "forms" / "kfz-schaden-aufnehmen.form").read_text()
)

BLOCKED_IN_THE_FORM = """
document.addEventListener("securitypolicyviolation", (event) => {
  const inForm = event.target && event.target.closest && event.target.closest(".camunda-form");
  if (inForm || /form-js|camunda-form/.test(event.sourceFile)) {
    console.log("CSP: " + event.violatedDirective + " " + event.sourceFile);
  }
});
"""


def field(page: Any, label: str) -> Any:
    """The input form-js draws for the field labelled ``label`` (a required one's label has a *)."""
    return page.locator(".camunda-form").get_by_label(label)


def drawn(page: Any) -> None:
    """Wait until form-js has drawn the form (again, after htmx swapped the task's body)."""
    page.locator('.camunda-form[data-state="shown"]').wait_for()


def test_a_camunda_form_is_drawn_by_form_js_checked_by_the_server_and_completes_the_task(
    server: Server, page: Any
) -> None:
    with server.client() as client:
        deployed = client.post("/api/forms", json={"kind": "camunda", "definition": CLAIM_FORM})
        assert deployed.status_code == 201, deployed.text
    task_id = create_task(
        server, name="Kfz-Schaden aufnehmen", assignee=operator_id(server),
        form_key="camunda-forms:deployment:kfz-schaden-aufnehmen.form",
        variables={"licensePlate": "B-KT 2026"},
    )  # fmt: skip
    # what the Content-Security-Policy blocks in or for the form (htmx's settling writes an
    # empty style on the page's other inputs, which it blocks harmlessly: not this test's subject)
    refused: list[str] = []
    page.add_init_script(BLOCKED_IN_THE_FORM)
    page.on("console", lambda m: refused.append(m.text) if m.text.startswith("CSP:") else None)
    sign_in(page, server.base)
    page.goto(f"{server.base}/tasks/{task_id}")
    drawn(page)
    assert page.locator(".camunda-form .fjs-form h1").inner_text() == "Kfz-Schaden aufnehmen"
    assert field(page, "Kennzeichen").input_value() == "B-KT 2026"  # the task's data
    assert page.locator(".camunda-form .fjs-powered-by-link").is_visible()  # bpmn.io watermark
    assert axe_violations(page) == []

    field(page, "Schadenhöhe (EUR)").fill("1234.5")
    page.get_by_role("button", name="Entwurf speichern").click()
    page.get_by_role("status").wait_for()
    assert page.get_by_role("status").inner_text() == "Entwurf gespeichert."
    page.goto(f"{server.base}/tasks/{task_id}")  # opened again: the draft is there
    drawn(page)
    assert field(page, "Schadenhöhe (EUR)").input_value() == "1234.5"

    empty_choice = page.locator(".camunda-form .fjs-form-field-select .fjs-input-group")
    assert empty_choice.inner_text().strip() == "Auswählen"  # not form-js's own English "Select"
    empty_choice.click()
    page.locator(".camunda-form .fjs-dropdownlist-item", has_text="Vollkasko").click()
    page.get_by_role("button", name="Abschließen").click()  # the Schadennummer is missing
    page.get_by_role("alert").wait_for()
    drawn(page)
    claim_number = page.locator(".camunda-form .fjs-form-field", has_text="Schadennummer")
    assert claim_number.locator(".fjs-form-field-error").inner_text() == (
        "Pflichtfeld: bitte ausfüllen"
    )
    assert page.locator(".camunda-form .fjs-form-field-error").count() == 1
    assert field(page, "Schadennummer").get_attribute("aria-invalid") == "true"
    assert page.locator(".task-state").inner_text() == "zugewiesen"
    assert field(page, "Schadenhöhe (EUR)").input_value() == "1234.5"  # nothing typed is lost
    screenshot(page, "task-camunda-form")
    assert axe_violations(page) == []

    field(page, "Schadennummer").fill("S-4711")
    page.locator(".camunda-form .fjs-form-field-error").wait_for(state="detached")  # changed
    page.get_by_role("button", name="Abschließen").click()
    page.get_by_role("status").wait_for()
    assert page.get_by_role("status").inner_text() == "Abschließen: erledigt."
    assert page.locator(".task-state").inner_text() == "erledigt"
    history = page.locator("table.history tbody tr td:nth-child(2)").all_inner_texts()
    assert history[-2:] == ["Entwurf gespeichert", "Abschließen"]
    with server.client() as client:
        answer = client.get(f"/api/tasks/{task_id}")
    variables = json.loads(answer.text, parse_float=Decimal)["variables"]
    assert variables == {
        "licensePlate": "B-KT 2026", "claimNumber": "S-4711",
        "amount": Decimal("1234.5"), "line": "comprehensive",
    }  # fmt: skip
    assert refused == []
