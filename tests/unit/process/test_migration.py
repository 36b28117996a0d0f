"""Migration of one instance's state to another version: validation and rewriting."""

import pytest

from kontor.process.bpmn import parse_bpmn
from kontor.process.runtime import (
    ActivityCompleted,
    InstanceStatus,
    TimerCancelled,
    TimerScheduled,
    UserTaskActivated,
    Wait,
    complete_user_task,
    start,
)
from kontor.process.runtime.errors import MigrationRefusedError
from kontor.process.runtime.migration import (
    check_instance,
    check_mapping,
    migrate,
    renamed_elements,
)

LATE = (
    '<bpmn:boundaryEvent id="Late" attachedToRef="{host}">'
    "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
    '</bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:endEvent id="LateEnd"/>'
)


@pytest.fixture
def v1(document, flow):
    """S → Review → E, Review with an interrupting timer boundary."""
    return parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:userTask id="Review"/><bpmn:endEvent id="E"/>'
            + LATE.format(host="Review")
            + flow("f1", "S", "Review")
            + flow("f2", "Review", "E")
            + flow("f3", "Late", "LateEnd")
        )
    )


@pytest.fixture
def v2(document, flow):
    """S → Check → Approve → E: Review renamed to Check, a step added, the timer removed."""
    return parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:userTask id="Check"/><bpmn:userTask id="Approve"/>'
            '<bpmn:endEvent id="E"/>'
            + flow("f1", "S", "Check")
            + flow("f2", "Check", "Approve")
            + flow("f3", "Approve", "E")
        )
    )


def _waiting(definitions, clock, evaluator):
    return start(definitions, "P", {"amount": 7}, clock, evaluator=evaluator).state


def test_a_renamed_task_migrates_and_goes_on_on_the_new_path(v1, v2, clock, lookup_evaluator):
    state = _waiting(v1, clock, lookup_evaluator)
    [task] = state.user_tasks.values()
    result = migrate(v1, v2, state, {"Review": "Check"}, clock, evaluator=lookup_evaluator)
    migrated = result.state
    assert migrated.user_tasks[task.id].element_id == "Check"  # same task, new element
    assert [t.element_id for t in migrated.tokens.values()] == ["Check"]
    assert migrated.timers == {}  # the boundary timer is gone with the model's boundary event
    assert [type(e) for e in result.effects] == [TimerCancelled]
    assert renamed_elements(state, {"Review": "Check"}) == {"Review": "Check"}
    moved = complete_user_task(v2, migrated, task.id, {}, clock, evaluator=lookup_evaluator)
    assert [e.element_id for e in moved.effects if isinstance(e, ActivityCompleted)] == ["Check"]
    assert [e.element_id for e in moved.effects if isinstance(e, UserTaskActivated)] == ["Approve"]


def test_an_unmapped_removed_element_is_named(v1, v2, clock, lookup_evaluator):
    state = _waiting(v1, clock, lookup_evaluator)
    [problem] = check_instance(v1.process("P"), v2.process("P"), {}, state)
    assert "'Review'" in problem
    assert "no counterpart" in problem
    with pytest.raises(MigrationRefusedError, match="'Review'") as refused:
        migrate(v1, v2, state, {}, clock, evaluator=lookup_evaluator)
    assert refused.value.problems == [problem]


def test_a_boundary_event_the_target_added_is_armed(document, flow, v2, clock, lookup_evaluator):
    v3 = parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:userTask id="Check"/><bpmn:endEvent id="E"/>'
            + LATE.format(host="Check")
            + flow("f1", "S", "Check")
            + flow("f2", "Check", "E")
            + flow("f3", "Late", "LateEnd")
        )
    )
    state = _waiting(v2, clock, lookup_evaluator)
    result = migrate(v2, v3, state, {}, clock, evaluator=lookup_evaluator)
    [timer] = result.state.timers.values()
    assert (timer.element_id, timer.kind) == ("Late", "boundary")
    assert [e.element_id for e in result.effects if isinstance(e, TimerScheduled)] == ["Late"]
    kept = migrate(v3, v3, result.state, {}, clock, evaluator=lookup_evaluator)
    assert kept.state.timers.keys() == result.state.timers.keys()
    assert kept.effects == []


def test_the_mapping_itself_is_checked_against_both_models(v1, v2):
    problems = check_mapping(
        v1.process("P"), v2.process("P"), {"Nope": "Check", "Review": "Gone", "S": "Approve"}
    )
    assert problems == [
        "mapping names 'Nope', which the source version does not have",
        "mapping sends 'Review' to 'Gone', which the target does not have",
        "mapping sends 'S' to 'Approve': 'S' is a startEvent, 'Approve' a userTask",
    ]


def test_an_element_may_not_change_its_scope(document, flow, v1, clock, lookup_evaluator):
    wrapped = parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:subProcess id="Sub"><bpmn:startEvent id="SubS"/>'
            '<bpmn:userTask id="Review"/><bpmn:endEvent id="SubE"/>'
            + flow("s1", "SubS", "Review")
            + flow("s2", "Review", "SubE")
            + '</bpmn:subProcess><bpmn:endEvent id="E"/>'
            + flow("f1", "S", "Sub")
            + flow("f2", "Sub", "E")
        )
    )
    state = _waiting(v1, clock, lookup_evaluator)
    [problem] = check_instance(v1.process("P"), wrapped.process("P"), {}, state)
    assert (
        problem
        == "active element 'Review' cannot become 'Review': 'Review' lies in 'Sub', not in 'P'"
    )


def test_a_waiting_join_keeps_its_arrivals(document, flow, clock, lookup_evaluator):
    def model(task_id):
        return parse_bpmn(
            document(
                '<bpmn:startEvent id="S"/><bpmn:parallelGateway id="Fork"/>'
                f'<bpmn:userTask id="{task_id}"/><bpmn:parallelGateway id="Join"/>'
                '<bpmn:endEvent id="E"/>'
                + flow("f1", "S", "Fork")
                + flow("f2", "Fork", task_id)
                + flow("f3", "Fork", "Join")
                + flow("f4", task_id, "Join")
                + flow("f5", "Join", "E")
            )
        )

    old, new = model("Review"), model("Check")
    state = _waiting(old, clock, lookup_evaluator)
    [joined] = [t for t in state.tokens.values() if t.wait is Wait.JOIN]
    migrated = migrate(old, new, state, {"Review": "Check"}, clock, evaluator=lookup_evaluator)
    assert migrated.state.tokens[joined.id].arrived_via == "f3"
    [task] = migrated.state.user_tasks.values()
    done = complete_user_task(new, migrated.state, task.id, {}, clock, evaluator=lookup_evaluator)
    assert done.state.status is InstanceStatus.COMPLETED
