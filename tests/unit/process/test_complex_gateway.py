"""Complex gateway (BPMN 2.0 §13.3.6): activation, reset and the next round; durable state."""

import json

from kontor.process.bpmn import parse_bpmn
from kontor.process.runtime import (
    ActivityCompleted,
    InstanceState,
    InstanceStatus,
    complete_user_task,
    start,
)
from kontor.process.runtime.feel_evaluator import FeelEvaluator

EVALUATOR = FeelEvaluator()


def _gateway(condition):
    if condition is None:
        return '<bpmn:complexGateway id="CG"/>'
    return (
        '<bpmn:complexGateway id="CG"><bpmn:activationCondition xsi:type="bpmn:tFormalExpression">'
        f"{condition}</bpmn:activationCondition></bpmn:complexGateway>"
    )


def looping_vote(document, flow, condition):
    """Fork → A, B → CG → Next → (again? back to Fork) → End."""
    return parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:parallelGateway id="Fork"/>'
            '<bpmn:userTask id="A"/><bpmn:userTask id="B"/>'
            + _gateway(condition)
            + '<bpmn:userTask id="Next"/><bpmn:exclusiveGateway id="Again" default="out"/>'
            '<bpmn:exclusiveGateway id="Merge"/><bpmn:endEvent id="E"/>'
            + flow("f0", "S", "Merge")
            + flow("f1", "Merge", "Fork")
            + flow("toA", "Fork", "A")
            + flow("toB", "Fork", "B")
            + flow("fromA", "A", "CG")
            + flow("fromB", "B", "CG")
            + flow("toNext", "CG", "Next")
            + flow("toAgain", "Next", "Again")
            + flow("back", "Again", "Merge", "=again")
            + flow("out", "Again", "E")
        )
    )


class Run:
    """An instance driven through user tasks, its state reloaded from JSON after each step."""

    def __init__(self, definitions, clock):
        self.definitions, self.clock, self.effects = definitions, clock, []
        self._take(start(definitions, "P", {}, clock, evaluator=EVALUATOR))

    def _take(self, result):
        self.state = InstanceState.from_dict(json.loads(json.dumps(result.state.to_dict())))
        self.effects.extend(result.effects)

    def complete(self, element_id, **variables):
        task = next(t for t in self.state.user_tasks.values() if t.element_id == element_id)
        self._take(
            complete_user_task(
                self.definitions, self.state, task.id, variables, self.clock, evaluator=EVALUATOR
            )
        )

    def open(self):
        return sorted(t.element_id for t in self.state.user_tasks.values())

    def fired(self):
        return sum(
            1 for e in self.effects if isinstance(e, ActivityCompleted) and e.element_id == "CG"
        )


def test_without_activation_condition_it_waits_for_every_incoming_flow(document, flow, clock):
    run = Run(looping_vote(document, flow, None), clock)
    run.complete("A")
    assert (run.open(), run.fired()) == (["B"], 0)
    run.complete("B")
    assert (run.open(), run.fired()) == (["Next"], 1)


def test_a_token_of_the_next_round_waits_until_the_gateway_has_reset(document, flow, clock):
    run = Run(looping_vote(document, flow, "=_activationCount >= 1"), clock)
    run.complete("A")
    assert (run.open(), run.fired()) == (["B", "Next"], 1)
    assert run.state.scopes[run.state.root_scope_id].complex_rounds == {"CG": ["fromA"]}
    run.complete("Next", again=True)  # a second round starts while B of the first still runs
    assert run.open() == ["A", "B", "B"]
    run.complete("A")  # arrives on a flow the first round consumed: waits for the reset
    assert run.fired() == 1
    run.complete("B")  # the first round's B: consumed, the gateway resets, round two fires
    assert (run.open(), run.fired()) == (["B", "Next"], 2)
    run.complete("Next", again=False)
    assert run.state.status is InstanceStatus.ACTIVE  # B of round two can still arrive
    run.complete("B")
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.fired() == 2


def test_activation_condition_may_be_juel_with_the_camunda_name(document, flow, clock):
    run = Run(looping_vote(document, flow, "${activationCount == 2}"), clock)
    run.complete("B")
    assert run.fired() == 0
    run.complete("A")
    assert (run.open(), run.fired()) == (["Next"], 1)


def test_states_stored_before_complex_gateways_still_load():
    scope = {"id": "scope-1", "kind": "process", "element_id": "P", "parent_id": None,
             "parent_token_id": None, "variables": {}}  # fmt: skip
    stored = {
        "instance_id": "i", "process_id": "P", "status": "active", "root_scope_id": "scope-1",
        "scopes": {"scope-1": scope}, "tokens": {}, "user_tasks": {}, "jobs": {}, "timers": {},
        "subscriptions": {}, "incidents": {}, "next_id": 2,
    }  # fmt: skip
    loaded = InstanceState.from_dict(stored).scopes["scope-1"]
    assert (loaded.complex_rounds, loaded.ad_hoc_completing) == ({}, False)
