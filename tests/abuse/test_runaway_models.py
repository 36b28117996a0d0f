"""Models that would run away: an endless loop, a huge FEEL list, a process calling itself.

Each is started over the API of a real server. The answer names the limit that stopped it,
the server answers other requests meanwhile, and what is stored is the incident's instance
state only: no half-written history of the runaway work.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx2 as httpx
import pytest

from support.abuse import AbusedServer
from support.messaging import wait_for
from support.process_world import chain, model, process

pytestmark = pytest.mark.abuse

JSON = {"content-type": "application/json"}
LOOPING = model(
    process(
        "Looping",
        '<bpmn:startEvent id="S"/>',
        '<bpmn:task id="Task_A"/><bpmn:exclusiveGateway id="Gateway_B" default="Out"/>',
        '<bpmn:endEvent id="E"/>',
        chain("S", "Task_A", "Gateway_B"),
        '<bpmn:sequenceFlow id="Back" sourceRef="Gateway_B" targetRef="Task_A">'
        "<bpmn:conditionExpression>=true</bpmn:conditionExpression></bpmn:sequenceFlow>",
        '<bpmn:sequenceFlow id="Out" sourceRef="Gateway_B" targetRef="E"/>',
    )
)
RECURSIVE = model(
    process(
        "Recursive",
        '<bpmn:startEvent id="S"/><bpmn:callActivity id="Call"><bpmn:extensionElements>'
        '<zeebe:calledElement processId="Recursive"/></bpmn:extensionElements>'
        '</bpmn:callActivity><bpmn:endEvent id="E"/>',
        chain("S", "Call", "E"),
    )
)


def timer(element_id: str) -> str:
    """An intermediate timer event waiting one second."""
    return (
        f'<bpmn:intermediateCatchEvent id="{element_id}"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:intermediateCatchEvent>"
    )


TIMED_LOOP = model(
    process(
        "TimedLooping",
        '<bpmn:startEvent id="S"/>',
        timer("Later"),
        '<bpmn:task id="Task_A"/><bpmn:exclusiveGateway id="Gateway_B" default="Out"/>',
        '<bpmn:endEvent id="E"/>',
        chain("S", "Later", "Task_A", "Gateway_B"),
        '<bpmn:sequenceFlow id="Back" sourceRef="Gateway_B" targetRef="Task_A">'
        "<bpmn:conditionExpression>=true</bpmn:conditionExpression></bpmn:sequenceFlow>",
        '<bpmn:sequenceFlow id="Out" sourceRef="Gateway_B" targetRef="E"/>',
    ),
    process(
        "TimedWait",
        '<bpmn:startEvent id="Start"/>',
        timer("Soon"),
        '<bpmn:userTask id="Waited"/>',
        chain("Start", "Soon", "Waited"),
    ),
)
HUGE_LIST = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="huge" name="Huge"
             namespace="http://kontor.example/dmn/huge">
  <inputData id="in_n" name="n"><variable name="n" typeRef="number"/></inputData>
  <decision id="counted" name="Counted">
    <variable name="Counted" typeRef="number"/>
    <informationRequirement id="req_n"><requiredInput href="#in_n"/></informationRequirement>
    <literalExpression id="counted_expr">
      <text>count(for i in 1..n return i)</text>
    </literalExpression>
  </decision>
</definitions>
"""
HUGE_IN_A_PROCESS = model(
    process(
        "HugeList",
        '<bpmn:startEvent id="S"/>',
        '<bpmn:exclusiveGateway id="G" default="Small"/>',
        '<bpmn:userTask id="Big"/><bpmn:userTask id="Fine"/>',
        chain("S", "G"),
        '<bpmn:sequenceFlow id="Large" sourceRef="G" targetRef="Big">'
        "<bpmn:conditionExpression>=count(for i in 1..n return i) &gt; 10"
        "</bpmn:conditionExpression></bpmn:sequenceFlow>",
        '<bpmn:sequenceFlow id="Small" sourceRef="G" targetRef="Fine"/>',
    )
)


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """How many rows each table gained (tables that did not change left out)."""
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}


def start_while_probing(abused: AbusedServer, key: str, body: dict[str, Any]) -> httpx.Response:
    """Start ``key`` in a thread and check the server answers others meanwhile."""
    answer: list[httpx.Response] = []

    def start() -> None:
        with httpx.Client(
            base_url=str(abused.client.base_url), headers=abused.client.headers, timeout=60
        ) as own:
            answer.append(own.post(f"/api/process/definitions/{key}/start", json=body))

    starting = threading.Thread(target=start)
    starting.start()
    abused.assert_responsive()
    starting.join()
    [response] = answer
    return response


def incidents_of(abused: AbusedServer, instance_id: str) -> list[dict[str, Any]]:
    shown = abused.client.get(f"/api/process/instances/{instance_id}")
    assert shown.status_code == 200, shown.text
    incidents: list[dict[str, Any]] = shown.json()["incidents"]
    return incidents


def test_an_endless_loop_started_over_the_api_ends_in_an_incident_naming_it(
    abused: AbusedServer,
) -> None:
    abused.deploy(LOOPING)
    before = abused.row_counts()
    started = start_while_probing(abused, "Looping", {})
    assert started.status_code == 201, started.text
    [incident] = incidents_of(abused, started.json()["instance_id"])
    assert incident["element_id"] == "S"  # a start's tokens wait at the start event
    assert incident["reason"].startswith("loop without wait state: Task_A → Gateway_B → Task_A")
    gained = changed(before, abused.row_counts())
    assert gained["process_instances"] == 1
    assert max(gained.values()) < 20, gained  # none of the loop's 10,000 steps was stored
    abused.assert_responsive()


def test_a_process_calling_itself_stops_at_the_nesting_limit_with_an_incident(
    abused: AbusedServer,
) -> None:
    abused.deploy(RECURSIVE)
    before = abused.row_counts()
    started = start_while_probing(abused, "Recursive", {})
    assert started.status_code == 201, started.text
    gained = changed(before, abused.row_counts())
    assert gained["process_instances"] == 33  # the root and 32 nested calls, no more
    listed = abused.client.get("/api/process/instances", params={"process_key": "Recursive"})
    deepest = [
        instance
        for instance in listed.json()["items"]
        if any("would nest more than 32 called instances" in i["reason"]
               for i in incidents_of(abused, instance["instance_id"]))
    ]  # fmt: skip
    assert len(deepest) == 1
    abused.assert_responsive()


def test_a_decision_building_a_huge_list_is_refused_naming_the_limit(
    abused: AbusedServer,
) -> None:
    abused.deploy(HUGE_LIST)
    before = abused.row_counts()
    evaluate = "/api/rules/deployments/huge/1/evaluate"
    fine = abused.client.post(evaluate, json={"decision": "Counted", "inputs": {"n": 1000}})
    assert (fine.status_code, fine.json()["value"]) == (200, 1000), fine.text
    refused = abused.client.post(evaluate, json={"decision": "Counted", "inputs": {"n": 10**12}})
    assert (refused.status_code, refused.headers["content-type"]) == (
        422, "application/problem+json"
    ), refused.text  # fmt: skip
    problem = refused.json()
    assert (problem["code"], problem["limit"]) == ("rules.evaluation_limit", "max_list_size")
    assert problem["detail"] == (
        "evaluation budget exceeded: a list of 1000000000000 items (max_list_size = 100000)"
    )
    assert changed(before, abused.row_counts()) == {}
    abused.assert_responsive()


def test_a_process_condition_building_a_huge_list_ends_in_an_incident_naming_the_limit(
    abused: AbusedServer,
) -> None:
    abused.deploy(HUGE_IN_A_PROCESS)
    before = abused.row_counts()
    started = start_while_probing(abused, "HugeList", {"variables": {"n": 10**12}})
    assert started.status_code == 201, started.text
    gained = changed(before, abused.row_counts())
    assert gained["process_instances"] == 1
    assert "tasks" not in gained  # neither branch was taken: no user task
    [incident] = incidents_of(abused, started.json()["instance_id"])
    assert incident["element_id"] == "G"
    assert "max_list_size = 100000" in incident["reason"], incident
    abused.assert_responsive()


def test_a_loop_behind_a_timer_ends_in_an_incident_and_other_timers_still_fire(
    abused: AbusedServer,
) -> None:
    abused.deploy(TIMED_LOOP)
    looping = abused.client.post("/api/process/definitions/TimedLooping/start", json={})
    waiting = abused.client.post("/api/process/definitions/TimedWait/start", json={})
    assert (looping.status_code, waiting.status_code) == (201, 201), looping.text + waiting.text
    looping_id, waiting_id = looping.json()["instance_id"], waiting.json()["instance_id"]

    def shown(instance_id: str) -> dict[str, Any]:
        answer = abused.client.get(f"/api/process/instances/{instance_id}")
        assert answer.status_code == 200, answer.text
        detail: dict[str, Any] = answer.json()
        return detail

    wait_for(lambda: shown(waiting_id)["active_element_ids"] == ["Waited"], "the other timer")
    wait_for(lambda: bool(shown(looping_id)["incidents"]), "the loop's incident")
    detail = shown(looping_id)
    [incident] = detail["incidents"]
    assert incident["reason"].startswith("loop without wait state: Task_A → Gateway_B → Task_A")
    assert detail["jobs"] == []  # nothing left that a restart would run into the loop again
    abused.assert_responsive()


def test_an_instance_stopped_by_its_loop_can_be_cancelled(abused: AbusedServer) -> None:
    abused.deploy(LOOPING)
    started = abused.client.post("/api/process/definitions/Looping/start", json={})
    assert started.status_code == 201, started.text
    instance_id = started.json()["instance_id"]
    cancelled = abused.client.post(
        f"/api/process/instances/{instance_id}/cancel", json={"reason": "Endlosschleife"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["active_element_ids"]) == (
        "terminated", []
    )  # fmt: skip
    assert incidents_of(abused, instance_id) == []  # resolved by the cancel: nothing left open
