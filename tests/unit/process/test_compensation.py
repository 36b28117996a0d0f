"""Compensation and transactions: deploy-time rules and runtime bookkeeping."""

import json

import pytest

from kontor.process.bpmn import Severity, parse_bpmn, validate
from kontor.process.runtime import (
    InstanceState,
    InstanceStatus,
    complete_user_task,
    correlate_message,
    start,
)
from kontor.process.runtime.control import Modification, cancel, modify
from kontor.process.runtime.errors import InvalidModificationError, MigrationRefusedError
from kontor.process.runtime.feel_evaluator import FeelEvaluator
from kontor.process.runtime.migration import migrate

HANDLED_TASK = (
    '<bpmn:task id="Book"/>'
    '<bpmn:boundaryEvent id="Booked" attachedToRef="Book">'
    "<bpmn:compensateEventDefinition/></bpmn:boundaryEvent>"
    '<bpmn:userTask id="Undo" isForCompensation="true"/>'
)


def errors(xml) -> dict[str, set[str | None]]:
    """Error codes mapped to the element ids they were reported on."""
    found: dict[str, set[str | None]] = {}
    for issue in validate(parse_bpmn(xml)):
        if issue.severity is Severity.ERROR:
            found.setdefault(issue.code, set()).add(issue.element_id)
    return found


def test_a_valid_compensation_model_has_no_errors(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/>' + HANDLED_TASK + '<bpmn:association id="a" '
        'sourceRef="Booked" targetRef="Undo"/><bpmn:endEvent id="E">'
        "<bpmn:compensateEventDefinition/></bpmn:endEvent>"
        + flow("f1", "S", "Book")
        + flow("f2", "Book", "E")
    )
    assert errors(xml) == {}
    assert dict(parse_bpmn(xml).process("P").compensation_handlers) == {"Booked": "Undo"}


def test_compensation_boundary_without_handler_and_handler_with_flows(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/>'
        + HANDLED_TASK
        + '<bpmn:endEvent id="E"/>'
        + flow("f1", "S", "Book")
        + flow("f2", "Book", "E")
        + flow("f3", "Undo", "E")
    )
    found = errors(xml)
    assert "compensation_handler_missing" not in found  # a warning: Camunda 7 deploys it
    warned = [i for i in validate(parse_bpmn(xml)) if i.code == "compensation_handler_missing"]
    assert [(i.element_id, i.severity) for i in warned] == [("Booked", Severity.WARNING)]
    assert found["compensation_handler_flows"] == {"Undo"}


def test_activity_ref_must_name_an_activity_of_the_compensated_scope(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:subProcess id="Sub"><bpmn:startEvent id="S2"/>'
        '<bpmn:task id="Inner"/></bpmn:subProcess>'
        '<bpmn:intermediateThrowEvent id="Undo"><bpmn:compensateEventDefinition '
        'activityRef="Inner"/></bpmn:intermediateThrowEvent><bpmn:endEvent id="E"/>'
        + flow("f1", "S", "Sub")
        + flow("f2", "Sub", "Undo")
        + flow("f3", "Undo", "E")
        + flow("f4", "S2", "Inner")
    )
    issues = [i for i in validate(parse_bpmn(xml)) if i.code == "compensation_activity_ref"]
    assert [i.element_id for i in issues] == ["Undo"]
    assert "activityRef 'Inner'" in issues[0].message


def test_cancel_events_belong_to_transactions(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:subProcess id="Sub"><bpmn:startEvent id="S2"/>'
        '<bpmn:endEvent id="Cancel"><bpmn:cancelEventDefinition/></bpmn:endEvent>'
        '</bpmn:subProcess><bpmn:boundaryEvent id="Cancelled" attachedToRef="Sub">'
        "<bpmn:cancelEventDefinition/></bpmn:boundaryEvent>"
        '<bpmn:transaction id="Tx"><bpmn:standardLoopCharacteristics loopMaximum="2"/>'
        '<bpmn:startEvent id="S3"/>'
        '<bpmn:endEvent id="TxCancel"><bpmn:cancelEventDefinition/></bpmn:endEvent>'
        '</bpmn:transaction><bpmn:endEvent id="E"/>'
        + flow("f1", "S", "Sub")
        + flow("f2", "Sub", "Tx")
        + flow("f3", "Tx", "E")
        + flow("f4", "S2", "Cancel")
        + flow("f5", "S3", "TxCancel")
        + flow("f6", "Cancelled", "E")
    )
    found = errors(xml)
    assert found["cancel_outside_transaction"] == {"Cancel"}
    assert found["cancel_boundary_host"] == {"Cancelled"}
    assert found["cancel_boundary_missing"] == {"Tx"}
    assert found["cancel_in_loop"] == {"Tx"}


def test_compensation_event_sub_process_needs_a_sub_process(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>'
        + flow("f1", "S", "E")
        + (
            '<bpmn:subProcess id="Esp" triggeredByEvent="true"><bpmn:startEvent id="CS">'
            '<bpmn:compensateEventDefinition/></bpmn:startEvent><bpmn:endEvent id="CE"/>'
            '<bpmn:sequenceFlow id="c1" sourceRef="CS" targetRef="CE"/></bpmn:subProcess>'
        )
    )
    assert errors(xml)["compensation_event_sub_process_level"] == {"CS"}


def _sub_process_interrupted_model(document, flow):
    return parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:subProcess id="Sub"><bpmn:startEvent id="S2"/>'
            + HANDLED_TASK
            + '<bpmn:association id="a" sourceRef="Booked" targetRef="Undo"/>'
            '<bpmn:userTask id="Wait"/><bpmn:endEvent id="E2"/>'
            + flow("i1", "S2", "Book")
            + flow("i2", "Book", "Wait")
            + flow("i3", "Wait", "E2")
            + '</bpmn:subProcess><bpmn:boundaryEvent id="Stop" attachedToRef="Sub">'
            '<bpmn:messageEventDefinition messageRef="M"/></bpmn:boundaryEvent>'
            '<bpmn:endEvent id="E"><bpmn:compensateEventDefinition/></bpmn:endEvent>'
            '<bpmn:endEvent id="Stopped"><bpmn:compensateEventDefinition/></bpmn:endEvent>'
            + flow("f1", "S", "Sub")
            + flow("f2", "Sub", "E")
            + flow("f3", "Stop", "Stopped"),
            '<bpmn:message id="M" name="stop"/>',
        )
    )


def test_work_of_a_cancelled_sub_process_is_not_compensated(document, flow, clock):
    definitions = _sub_process_interrupted_model(document, flow)
    started = start(definitions, "P", {}, clock, evaluator=FeelEvaluator())
    assert len(started.state.compensables) == 1  # Book completed inside the sub-process
    stopped = correlate_message(
        definitions, started.state, "stop", None, {}, clock, evaluator=FeelEvaluator()
    )
    assert stopped.state.status is InstanceStatus.COMPLETED
    assert stopped.state.user_tasks == {}  # no handler ran: the sub-process never completed
    assert stopped.state.compensables == {}


def test_completed_sub_process_work_is_compensated_after_a_restart(document, flow, clock):
    definitions = _sub_process_interrupted_model(document, flow)
    state = start(definitions, "P", {}, clock, evaluator=FeelEvaluator()).state
    task = next(iter(state.user_tasks.values()))
    state = complete_user_task(
        definitions, state, task.id, {}, clock, evaluator=FeelEvaluator()
    ).state
    assert [t.element_id for t in state.user_tasks.values()] == ["Undo"]
    reloaded = InstanceState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert reloaded.compensation_runs == state.compensation_runs
    undo = next(iter(reloaded.user_tasks.values()))
    done = complete_user_task(definitions, reloaded, undo.id, {}, clock, evaluator=FeelEvaluator())
    assert done.state.status is InstanceStatus.COMPLETED
    assert done.state.compensation_runs == {}


def test_models_without_compensation_store_no_compensation_keys(document, flow, clock):
    definitions = parse_bpmn(
        document('<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>' + flow("f1", "S", "E"))
    )
    state = start(definitions, "P", {}, clock, evaluator=FeelEvaluator()).state
    assert "compensables" not in state.to_dict()


def test_a_terminate_end_event_cancels_running_compensation(document, flow, clock):
    definitions = parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/>' + HANDLED_TASK + '<bpmn:association id="a" '
            'sourceRef="Booked" targetRef="Undo"/><bpmn:parallelGateway id="Split"/>'
            '<bpmn:intermediateThrowEvent id="Throw"><bpmn:compensateEventDefinition/>'
            '</bpmn:intermediateThrowEvent><bpmn:endEvent id="E"/>'
            '<bpmn:endEvent id="Stop"><bpmn:terminateEventDefinition/></bpmn:endEvent>'
            + flow("f1", "S", "Book")
            + flow("f2", "Book", "Split")
            + flow("f3", "Split", "Throw")
            + flow("f4", "Throw", "E")
            + flow("f5", "Split", "Stop")
        )
    )
    state = start(definitions, "P", {}, clock, evaluator=FeelEvaluator()).state
    assert state.status is InstanceStatus.TERMINATED
    assert state.user_tasks == {}
    assert state.compensation_runs == {}


def _booking_version(document, flow, book_id, undo_id):
    """S → <book_id> (handler <undo_id>) → Wait → compensation end."""
    return parse_bpmn(
        document(
            f'<bpmn:startEvent id="S"/><bpmn:task id="{book_id}"/>'
            f'<bpmn:boundaryEvent id="Booked" attachedToRef="{book_id}">'
            "<bpmn:compensateEventDefinition/></bpmn:boundaryEvent>"
            f'<bpmn:userTask id="{undo_id}" isForCompensation="true"/>'
            f'<bpmn:association id="a" sourceRef="Booked" targetRef="{undo_id}"/>'
            '<bpmn:userTask id="Wait"/><bpmn:endEvent id="E"><bpmn:compensateEventDefinition/>'
            "</bpmn:endEvent>"
            + flow("f1", "S", book_id)
            + flow("f2", book_id, "Wait")
            + flow("f3", "Wait", "E")
        )
    )


def test_remembered_activities_follow_a_migration_to_the_new_handler(document, flow, clock):
    v1 = _booking_version(document, flow, "Book", "Undo")
    v2 = _booking_version(document, flow, "Reserve", "Release")
    state = start(v1, "P", {}, clock, evaluator=FeelEvaluator()).state
    migrated = migrate(v1, v2, state, {"Book": "Reserve"}, clock, evaluator=FeelEvaluator()).state
    task = next(iter(migrated.user_tasks.values()))
    done = complete_user_task(v2, migrated, task.id, {}, clock, evaluator=FeelEvaluator()).state
    assert [t.element_id for t in done.user_tasks.values()] == ["Release"]


def test_an_instance_in_the_middle_of_compensation_is_not_migrated(document, flow, clock):
    v1 = _booking_version(document, flow, "Book", "Undo")
    state = start(v1, "P", {}, clock, evaluator=FeelEvaluator()).state
    task = next(iter(state.user_tasks.values()))
    state = complete_user_task(v1, state, task.id, {}, clock, evaluator=FeelEvaluator()).state
    with pytest.raises(MigrationRefusedError) as refused:
        migrate(v1, v1, state, {}, clock, evaluator=FeelEvaluator())
    assert "compensation is running" in str(refused.value.problems)


def test_an_instance_in_the_middle_of_compensation_refuses_modification(document, flow, clock):
    v1 = _booking_version(document, flow, "Book", "Undo")
    state = start(v1, "P", {}, clock, evaluator=FeelEvaluator()).state
    task = next(iter(state.user_tasks.values()))
    state = complete_user_task(v1, state, task.id, {}, clock, evaluator=FeelEvaluator()).state
    instruction = Modification(kind="start_before", element_id="Wait")
    with pytest.raises(InvalidModificationError, match="compensation is running"):
        modify(v1, state, [instruction], clock, evaluator=FeelEvaluator())
    cancelled = cancel(v1, state, clock, evaluator=FeelEvaluator()).state
    assert cancelled.status is InstanceStatus.TERMINATED
    assert cancelled.compensation_runs == {}


def test_compensating_an_activity_whose_boundary_has_no_handler_does_nothing(document, flow, clock):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:task id="Book"/>'
        '<bpmn:boundaryEvent id="Booked" attachedToRef="Book"><bpmn:compensateEventDefinition/>'
        '</bpmn:boundaryEvent><bpmn:intermediateThrowEvent id="Undo">'
        "<bpmn:compensateEventDefinition/></bpmn:intermediateThrowEvent>"
        '<bpmn:endEvent id="E"/>' + flow("f1", "S", "Book") + flow("f2", "Book", "Undo")
        + flow("f3", "Undo", "E")
    )  # fmt: skip
    assert errors(xml) == {}
    result = start(parse_bpmn(xml), "P", {}, clock, evaluator=FeelEvaluator())
    assert result.state.status is InstanceStatus.COMPLETED
    assert not result.state.incidents
