"""A start whose condition runs a huge FEEL loop blocks no other start.

The engine computes a start's first step before its write transaction begins, so on SQLite
(where a writer locks the whole database) a runaway expression holds no lock while it runs.
The runaway here is ended by its iteration budget, raised for this module so that the loop
takes far longer than a plain start on any machine; the time limits are set so high that
they never decide anything.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import httpx2 as httpx
import pytest

from support.abuse import PATIENCE, AbusedServer
from support.messaging import wait_for
from support.process_world import chain, model, process

pytestmark = pytest.mark.abuse

ITERATIONS = 4_000_000  # a plain start does well under a thousandth of this work
SERVER_SETTINGS = {
    "KONTOR_FEEL_MAX_ITERATIONS": str(ITERATIONS),
    "KONTOR_FEEL_MAX_SECONDS": "3600",
    "KONTOR_PROCESS_STEP_MAX_SECONDS": "3600",
}
RUNAWAY = model(
    process(
        "RunawayCondition",
        '<bpmn:startEvent id="S"/>',
        '<bpmn:exclusiveGateway id="G" default="Usual"/>',
        '<bpmn:userTask id="Never"/><bpmn:userTask id="Usual_Task"/>',
        chain("S", "G"),
        '<bpmn:sequenceFlow id="Odd" sourceRef="G" targetRef="Never">'
        "<bpmn:conditionExpression>=some i in 1..100000, j in 1..100000 satisfies i &lt; 0"
        "</bpmn:conditionExpression></bpmn:sequenceFlow>",
        '<bpmn:sequenceFlow id="Usual" sourceRef="G" targetRef="Usual_Task"/>',
    )
)
_RUNNING = re.compile(r"^kontor_process_steps_running (\S+)$", re.MULTILINE)


def steps_running(abused: AbusedServer) -> int:
    """The server's gauge of process steps running now."""
    scraped = abused.client.get("/metrics")
    assert scraped.status_code == 200, scraped.text
    found = _RUNNING.search(scraped.text)
    assert found is not None, "no kontor_process_steps_running gauge"
    return int(float(found.group(1)))


def test_a_start_evaluating_a_runaway_condition_does_not_hold_up_another_start(
    abused: AbusedServer,
) -> None:
    abused.deploy(RUNAWAY)
    answer: list[httpx.Response] = []

    def start_runaway() -> None:
        with httpx.Client(
            base_url=str(abused.client.base_url), headers=abused.client.headers, timeout=PATIENCE
        ) as own:
            answer.append(own.post("/api/process/definitions/RunawayCondition/start", json={}))

    runaway = threading.Thread(target=start_runaway)
    runaway.start()
    try:
        wait_for(lambda: steps_running(abused) >= 1, "the runaway start to be in its step")
        other = abused.client.post("/api/process/definitions/Wait/start", json={})
        assert other.status_code == 201, other.text
        assert other.json()["active_element_ids"] == ["Review"]
        assert answer == [], "the runaway start ended before the other one"
        abused.assert_responsive()
    finally:
        runaway.join(PATIENCE)
    [started] = answer
    assert started.status_code == 201, started.text
    detail: dict[str, Any] = started.json()
    assert "Usual_Task" not in detail["active_element_ids"]  # no default flow on a failure
    [incident] = detail["incidents"]
    assert incident["element_id"] == "G"
    assert f"max_iterations = {ITERATIONS}" in incident["reason"], incident
