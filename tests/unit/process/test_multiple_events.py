"""Events with several event definitions, eventDefinitionRef, and their deploy-time rules."""

import pytest

from kontor.process import FeelEvaluator
from kontor.process.bpmn import EventKind, parse_bpmn, validate
from kontor.process.bpmn.errors import UnknownReferenceError
from kontor.process.runtime import (
    ActivityCompleted,
    InstanceState,
    InstanceStatus,
    MessageThrown,
    SignalThrown,
    broadcast_signal,
    complete_user_task,
    correlate_message,
    set_variables,
    start,
    throw_bpmn_error,
)

ROOTS = (
    '<bpmn:message id="M" name="docs"/><bpmn:signal id="Sig" name="audit"/>'
    '<bpmn:signal id="Closed" name="closed"/>'
)


def _codes(xml):
    found = {}
    for issue in validate(parse_bpmn(xml)):
        found.setdefault(issue.code, set()).add(issue.element_id)
    return found


def test_an_event_definition_ref_gives_the_event_the_shared_definition(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:intermediateCatchEvent id="C">'
        "<bpmn:eventDefinitionRef>tns:Shared</bpmn:eventDefinitionRef>"
        '</bpmn:intermediateCatchEvent><bpmn:endEvent id="E"/>'
        + flow("f1", "S", "C")
        + flow("f2", "C", "E"),
        ROOTS + '<bpmn:signalEventDefinition id="Shared" signalRef="Sig"/>',
    )
    node = parse_bpmn(xml).process("P").node("C")
    assert node.event_kind is EventKind.SIGNAL
    assert node.event.signal_ref == "Sig"


def test_an_unknown_event_definition_ref_names_the_element_and_line(document):
    xml = document(
        '<bpmn:startEvent id="S">\n<bpmn:eventDefinitionRef>Nowhere</bpmn:eventDefinitionRef>'
        "</bpmn:startEvent>"
    )
    with pytest.raises(UnknownReferenceError) as error:
        parse_bpmn(xml)
    assert error.value.element_id == "S"
    assert error.value.line == 6
    assert "Nowhere" in str(error.value)


def test_a_shared_definition_checks_its_references(document):
    xml = document(
        '<bpmn:startEvent id="S"><bpmn:eventDefinitionRef>Shared</bpmn:eventDefinitionRef>'
        "</bpmn:startEvent>",
        '<bpmn:messageEventDefinition id="Shared" messageRef="Missing"/>',
    )
    with pytest.raises(UnknownReferenceError, match="Missing"):
        parse_bpmn(xml)


def _catch_process(document, flow, attributes="", definitions=None):
    body = definitions or (
        '<bpmn:messageEventDefinition messageRef="M"/><bpmn:signalEventDefinition signalRef="Sig"/>'
    )
    return parse_bpmn(
        document(
            f'<bpmn:startEvent id="S"/><bpmn:intermediateCatchEvent id="C"{attributes}>{body}'
            '</bpmn:intermediateCatchEvent><bpmn:userTask id="T"/>'
            '<bpmn:intermediateThrowEvent id="Tell"><bpmn:messageEventDefinition messageRef="M"/>'
            '<bpmn:signalEventDefinition signalRef="Closed"/></bpmn:intermediateThrowEvent>'
            '<bpmn:endEvent id="E"/>'
            + flow("f1", "S", "C")
            + flow("f2", "C", "T")
            + flow("f3", "T", "Tell")
            + flow("f4", "Tell", "E"),
            ROOTS,
        )
    )


def test_a_multiple_catch_fires_on_the_first_definition_and_closes_the_others(
    document, flow, clock, lookup_evaluator
):
    definitions = _catch_process(document, flow)
    state = start(definitions, "P", {}, clock, evaluator=lookup_evaluator).state
    assert sorted(s.name for s in state.subscriptions.values()) == ["audit", "docs"]
    step = broadcast_signal(
        definitions, state, "audit", {"x": 1}, clock, evaluator=lookup_evaluator
    )
    assert not step.state.subscriptions
    assert [t.element_id for t in step.state.tokens.values()] == ["T"]
    task = next(iter(step.state.user_tasks))
    done = complete_user_task(definitions, step.state, task, {}, clock, evaluator=lookup_evaluator)
    assert [e.name for e in done.effects if isinstance(e, SignalThrown)] == ["closed"]


def test_a_parallel_multiple_catch_remembers_arrivals_in_the_state(
    document, flow, clock, lookup_evaluator
):
    definitions = _catch_process(document, flow, ' parallelMultiple="true"')
    state = start(definitions, "P", {}, clock, evaluator=lookup_evaluator).state
    step = correlate_message(
        definitions, state, "docs", None, {"a": 1}, clock, evaluator=lookup_evaluator
    )
    stored = InstanceState.from_dict(step.state.to_dict())
    assert [a.arrived for a in stored.event_arrivals.values()] == [[0]]
    assert [t.element_id for t in stored.tokens.values()] == ["C"]
    step = broadcast_signal(
        definitions, stored, "audit", {"b": 2}, clock, evaluator=lookup_evaluator
    )
    assert not step.state.event_arrivals
    assert [t.element_id for t in step.state.tokens.values()] == ["T"]
    assert {"a": 1, "b": 2}.items() <= step.state.variables.items()


def test_states_stored_before_multiple_events_still_load():
    data = InstanceState("i", "P").to_dict()
    assert "event_arrivals" not in data
    assert InstanceState.from_dict(data).event_arrivals == {}


def test_errors_in_multiple_events_are_caught_by_boundary_and_event_sub_process_starts_only(
    document, flow
):
    definitions = '<bpmn:messageEventDefinition messageRef="M"/><bpmn:errorEventDefinition/>'
    xml = _catch_xml(document, flow, definitions)
    issues = [str(i) for i in validate(parse_bpmn(xml)) if i.code == "unsupported"]
    reason = "error definitions in multiple events other than boundary events"
    assert any("'C'" in issue and reason in issue for issue in issues), issues
    linked = _catch_xml(document, flow, '<bpmn:signalEventDefinition signalRef="Sig"/>'
                        '<bpmn:linkEventDefinition name="L"/>')  # fmt: skip
    assert _codes(linked)["unsupported"] == {"C"}


def test_a_multiple_catch_event_is_triggered_by_its_condition(document, flow, clock):
    definitions = (
        '<bpmn:messageEventDefinition messageRef="M"/><bpmn:conditionalEventDefinition>'
        '<bpmn:condition xsi:type="bpmn:tFormalExpression">=ready = true</bpmn:condition>'
        "</bpmn:conditionalEventDefinition>"
    )
    definitions_xml = _catch_xml(document, flow, definitions)
    assert "unsupported" not in _codes(definitions_xml)
    model = parse_bpmn(definitions_xml)
    evaluator = FeelEvaluator()
    waiting = start(model, "P", {"ready": False}, clock, evaluator=evaluator).state
    assert [t.element_id for t in waiting.tokens.values()] == ["C"]
    step = set_variables(model, waiting, {"ready": True}, clock, evaluator=evaluator)
    assert not step.state.subscriptions  # the message subscription closed with it
    assert step.state.status is InstanceStatus.COMPLETED


def test_a_multiple_boundary_event_catches_an_error_as_well_as_its_message(document, flow, clock):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:serviceTask id="Work"/>'
        '<bpmn:boundaryEvent id="B" attachedToRef="Work">'
        '<bpmn:messageEventDefinition messageRef="M"/><bpmn:errorEventDefinition errorRef="Err"/>'
        '</bpmn:boundaryEvent><bpmn:endEvent id="E"/><bpmn:endEvent id="Caught"/>'
        + flow("f1", "S", "Work")
        + flow("f2", "Work", "E")
        + flow("f3", "B", "Caught"),
        ROOTS + '<bpmn:error id="Err" errorCode="abgelehnt"/>',
    )
    model = parse_bpmn(xml)
    assert "unsupported" not in _codes(xml)
    evaluator = FeelEvaluator()
    state = start(model, "P", {}, clock, evaluator=evaluator).state
    (job,) = state.jobs.values()
    step = throw_bpmn_error(model, state, job.id, "abgelehnt", clock, evaluator=evaluator)
    assert step.state.status is InstanceStatus.COMPLETED
    assert "Caught" in [e.element_id for e in step.effects if isinstance(e, ActivityCompleted)]
    by_message = correlate_message(model, state, "docs", None, {}, clock, evaluator=evaluator)
    assert "Caught" in [
        e.element_id for e in by_message.effects if isinstance(e, ActivityCompleted)
    ]
    not_interrupting = xml.replace(
        'attachedToRef="Work"', 'attachedToRef="Work" cancelActivity="false"'
    )
    assert _codes(not_interrupting)["multiple_error_not_interrupting"] == {"B"}


def _catch_xml(document, flow, definitions, attributes=""):
    return document(
        f'<bpmn:startEvent id="S"/><bpmn:intermediateCatchEvent id="C"{attributes}>{definitions}'
        '</bpmn:intermediateCatchEvent><bpmn:endEvent id="E"/>'
        + flow("f1", "S", "C")
        + flow("f2", "C", "E"),
        ROOTS,
    )


def test_parallel_multiple_is_for_catch_events_only(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:endEvent id="E" parallelMultiple="true">'
        '<bpmn:messageEventDefinition messageRef="M"/><bpmn:signalEventDefinition signalRef="Sig"/>'
        "</bpmn:endEvent>" + flow("f1", "S", "E"),
        ROOTS,
    )
    assert _codes(xml)["parallel_multiple_throw"] == {"E"}


def test_a_process_start_event_has_one_timer_definition(document, flow):
    timer = "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
    xml = document(
        f'<bpmn:startEvent id="S">{timer}</bpmn:timerEventDefinition>{timer}'
        '</bpmn:timerEventDefinition></bpmn:startEvent><bpmn:endEvent id="E"/>'
        + flow("f1", "S", "E")
    )
    assert _codes(xml)["multiple_start_timers"] == {"S"}


def test_a_multiple_event_may_not_follow_an_event_based_gateway(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/><bpmn:eventBasedGateway id="G"/>'
        '<bpmn:intermediateCatchEvent id="C"><bpmn:messageEventDefinition messageRef="M"/>'
        '<bpmn:signalEventDefinition signalRef="Sig"/></bpmn:intermediateCatchEvent>'
        '<bpmn:intermediateCatchEvent id="D"><bpmn:signalEventDefinition signalRef="Closed"/>'
        '</bpmn:intermediateCatchEvent><bpmn:endEvent id="E"/>'
        + flow("f1", "S", "G")
        + flow("f2", "G", "C")
        + flow("f3", "G", "D")
        + flow("f4", "C", "E")
        + flow("f5", "D", "E"),
        ROOTS,
    )
    assert _codes(xml)["event_gateway_target_multiple"] == {"C"}


def test_every_definition_of_a_multiple_event_is_checked(document, flow):
    xml = _catch_xml(
        document, flow, '<bpmn:messageEventDefinition messageRef="M"/><bpmn:signalEventDefinition/>'
    )
    assert _codes(xml)["signal_missing"] == {"C"}


def test_a_multiple_end_event_throws_all_its_definitions(document, flow, clock, lookup_evaluator):
    definitions = parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:endEvent id="E">'
            '<bpmn:signalEventDefinition signalRef="Closed"/>'
            '<bpmn:messageEventDefinition messageRef="M"/></bpmn:endEvent>' + flow("f1", "S", "E"),
            ROOTS,
        )
    )
    effects = start(definitions, "P", {}, clock, evaluator=lookup_evaluator).effects
    thrown = [
        (type(e).__name__, e.name) for e in effects if isinstance(e, SignalThrown | MessageThrown)
    ]
    assert thrown == [("SignalThrown", "closed"), ("MessageThrown", "docs")]
