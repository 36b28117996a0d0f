"""Step budgets of the pure runtime: a loop without wait state stops and is named."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kontor.messaging import FakeClock
from kontor.process.bpmn import parse_bpmn
from kontor.process.runtime import (
    ActivityStarted,
    IncidentRaised,
    InstanceStatus,
    StepBudget,
    StepInterrupted,
    StepLimits,
    UserTaskActivated,
    Wait,
    complete_user_task,
    start,
)
from kontor.process.runtime.budget import budgeted, run_within

NO_TIME_LIMIT = 3600.0


def looping(document, flow, before_loop=""):
    """S → [before_loop →] Task_A → Gateway_B → Task_A while ``again``, else → E."""
    first = "Review" if before_loop else "Task_A"
    return parse_bpmn(
        document(
            f'<bpmn:startEvent id="S"/>{before_loop}<bpmn:task id="Task_A"/>'
            '<bpmn:exclusiveGateway id="Gateway_B" default="out"/><bpmn:endEvent id="E"/>'
            + flow("f0", "S", first)
            + (flow("f1", "Review", "Task_A") if before_loop else "")
            + flow("f2", "Task_A", "Gateway_B")
            + flow("back", "Gateway_B", "Task_A", condition="again")
            + flow("out", "Gateway_B", "E")
        )
    )


def test_a_loop_without_wait_state_stops_naming_its_elements(
    document, flow, clock, lookup_evaluator
):
    definitions = looping(document, flow)
    budget = StepBudget(StepLimits(max_elements=50, max_seconds=NO_TIME_LIMIT))
    with budgeted(budget), pytest.raises(StepInterrupted) as stopped:
        start(definitions, "P", {"again": True}, clock, evaluator=lookup_evaluator)
    assert stopped.value.reason.startswith("loop without wait state: Task_A → Gateway_B → Task_A")
    assert "50 element executions" in stopped.value.reason
    assert not stopped.value.requested


def test_the_time_limit_stops_a_loop_too(document, flow, clock, lookup_evaluator):
    definitions = looping(document, flow)
    budget = StepBudget(StepLimits(max_elements=10**9, max_seconds=0.0))
    with budgeted(budget), pytest.raises(StepInterrupted) as stopped:
        start(definitions, "P", {"again": True}, clock, evaluator=lookup_evaluator)
    assert "Task_A → Gateway_B" in stopped.value.reason
    assert "0 s" in stopped.value.reason


def test_a_model_that_ends_stays_within_its_budget(document, flow, clock, lookup_evaluator):
    definitions = looping(document, flow)
    budget = StepBudget(StepLimits(max_elements=50, max_seconds=NO_TIME_LIMIT))
    with budgeted(budget):
        state, _ = start(definitions, "P", {"again": False}, clock, evaluator=lookup_evaluator)
    assert state.status is InstanceStatus.COMPLETED


def test_a_start_out_of_budget_waits_at_its_start_event_in_an_incident(
    document, flow, clock, lookup_evaluator
):
    definitions = looping(document, flow)
    budget = StepBudget(StepLimits(max_elements=50, max_seconds=NO_TIME_LIMIT))
    state, effects = run_within(
        budget,
        lambda: start(definitions, "P", {"again": True}, clock, evaluator=lookup_evaluator),
    )
    (incident,) = state.incidents.values()
    assert incident.element_id == "S"
    assert incident.reason.startswith("loop without wait state: Task_A → Gateway_B → Task_A")
    assert state.status is InstanceStatus.ACTIVE
    assert state.variables == {"again": True}
    assert [type(e) for e in effects] == [IncidentRaised]  # nothing of the loop is left


def test_a_completion_out_of_budget_keeps_its_result_and_parks_the_next_element(
    document, flow, clock, lookup_evaluator
):
    definitions = looping(document, flow, before_loop='<bpmn:userTask id="Review"/>')
    state, effects = start(definitions, "P", {}, clock, evaluator=lookup_evaluator)
    (task,) = [e for e in effects if isinstance(e, UserTaskActivated)]
    budget = StepBudget(StepLimits(max_elements=50, max_seconds=NO_TIME_LIMIT))
    after, effects = run_within(
        budget,
        lambda: complete_user_task(
            definitions, state, task.task_id, {"again": True}, clock, evaluator=lookup_evaluator
        ),
    )
    (incident,) = after.incidents.values()
    assert incident.element_id == "Task_A"
    assert "Task_A → Gateway_B → Task_A" in incident.reason
    assert after.variables["again"] is True
    assert after.tokens[incident.token_id].wait is Wait.INCIDENT
    assert not after.user_tasks
    assert not [e for e in effects if isinstance(e, ActivityStarted) and e.element_id != "Review"]


def test_a_stopped_budget_interrupts_at_the_next_element(document, flow, clock, lookup_evaluator):
    definitions = looping(document, flow)
    budget = StepBudget(StepLimits(max_elements=10**9, max_seconds=NO_TIME_LIMIT))
    budget.stop("cancelled")
    with pytest.raises(StepInterrupted) as stopped:
        run_within(
            budget,
            lambda: start(definitions, "P", {"again": True}, clock, evaluator=lookup_evaluator),
        )
    assert stopped.value.requested
    assert stopped.value.reason == "cancelled"
    assert budget.entered == 1


def test_a_loop_that_spawns_new_tokens_names_the_elements_entered_most(
    document, flow, clock, lookup_evaluator
):
    # Each round forks a fresh token back into the loop: no single token repeats an element.
    definitions = parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:task id="Task_A"/>'
            '<bpmn:parallelGateway id="Fork"/><bpmn:endEvent id="E"/>'
            + flow("f0", "S", "Task_A")
            + flow("f1", "Task_A", "Fork")
            + flow("f2", "Fork", "E")
            + flow("f3", "Fork", "Task_A")
        )
    )
    budget = StepBudget(StepLimits(max_elements=50, max_seconds=NO_TIME_LIMIT))
    with budgeted(budget), pytest.raises(StepInterrupted) as stopped:
        start(definitions, "P", {}, clock, evaluator=lookup_evaluator)
    assert stopped.value.reason.startswith(
        "the step reached no wait state within 50 element executions (most entered: "
    )
    assert "Task_A ×" in stopped.value.reason


@settings(max_examples=40, deadline=None)
@given(max_elements=st.integers(min_value=1, max_value=3000), rounds=st.integers(0, 40))
def test_a_step_within_budget_is_untouched_and_one_beyond_it_parks_at_the_start(
    document, flow, lookup_evaluator, max_elements, rounds
):
    # Law: a loop of ``rounds`` rounds completes when the budget covers its elements; well
    # beyond the budget the start is parked whole with the loop named, never half run.
    definitions = looping(document, flow)
    clock = FakeClock()
    counted = [True] * rounds + [False]
    variables = {"again": counted[0]}
    budget = StepBudget(StepLimits(max_elements=max_elements, max_seconds=NO_TIME_LIMIT))
    evaluator = Rounds(lookup_evaluator, counted)
    state, effects = run_within(
        budget, lambda: start(definitions, "P", variables, clock, evaluator=evaluator.fresh())
    )
    needed = 1 + 2 * (rounds + 1) + 1  # S, then Task_A and Gateway_B per pass, then E
    if needed <= max_elements:
        assert state.status is InstanceStatus.COMPLETED
    if needed > max_elements + 3:  # the loop goes round once more after the limit: named
        assert state.status is InstanceStatus.ACTIVE
    if state.status is InstanceStatus.COMPLETED:
        assert state.incidents == {}
    else:
        [incident] = state.incidents.values()
        assert incident.element_id == "S"
        assert "Task_A → Gateway_B → Task_A" in incident.reason
        assert [type(e) for e in effects] == [IncidentRaised]


class Rounds:
    """Answers the loop condition from a list: true for each round, then false."""

    def __init__(self, inner, answers):
        self.inner = inner
        self.answers = answers
        self.asked = 0

    def fresh(self):
        self.asked = 0
        return self

    def evaluate(self, expression, variables):
        if expression.text.strip() != "again":
            return self.inner.evaluate(expression, variables)
        answer = self.answers[min(self.asked, len(self.answers) - 1)]
        self.asked += 1
        return answer
