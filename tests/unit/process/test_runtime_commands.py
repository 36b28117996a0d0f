"""Runtime commands: effects' contents, state handling and command errors."""

import json
from datetime import timedelta

import pytest

from kontor.process.bpmn import parse_bpmn
from kontor.process.runtime import (
    ActivityCompleted,
    ActivityStarted,
    CallActivityStarted,
    IncidentRaised,
    InstanceCompleted,
    InstanceNotActiveError,
    InstanceState,
    JobCreated,
    NotCorrelatedError,
    TimerNotDueError,
    UnknownWaitStateError,
    UnsupportedProcessError,
    UserTaskActivated,
    UserTaskCancelled,
    broadcast_signal,
    complete_call_activity,
    complete_job,
    complete_user_task,
    correlate_message,
    fail_job,
    fire_timer,
    resolve_incident,
    start,
)


def single_task(document, flow, task_xml, roots="", extra=""):
    xml = document(
        f'<bpmn:startEvent id="S"/>{task_xml}<bpmn:endEvent id="E"/>{extra}'
        + flow("f1", "S", "T")
        + flow("f2", "T", "E"),
        roots,
    )
    return parse_bpmn(xml)


def test_user_task_activation_carries_assignment_and_schedule(
    document, flow, clock, lookup_evaluator
):
    definitions = single_task(
        document,
        flow,
        '<bpmn:userTask id="T" name="Review"><bpmn:extensionElements>'
        '<zeebe:assignmentDefinition assignee="=owner" candidateGroups="=groups"'
        ' candidateUsers="bob, carol"/>'
        '<zeebe:taskSchedule dueDate="=due" followUpDate="2026-01-02T00:00:00Z"/>'
        '<zeebe:formDefinition formKey="forms:review"/>'
        '<zeebe:priorityDefinition priority="=prio"/>'
        "</bpmn:extensionElements></bpmn:userTask>",
    )
    variables = {"owner": "anna", "groups": ["clerks"], "due": "2026-01-09", "prio": 80}
    state, effects = start(definitions, "P", variables, clock, evaluator=lookup_evaluator)
    [activated] = [e for e in effects if isinstance(e, UserTaskActivated)]
    assert activated.name == "Review"
    assert activated.assignee == "anna"
    assert activated.candidate_groups == ("clerks",)
    assert activated.candidate_users == ("bob", "carol")
    assert activated.due_date == "2026-01-09"
    assert activated.follow_up_date == "2026-01-02T00:00:00Z"
    assert activated.priority == 80
    assert activated.form_key == "forms:review"
    assert activated.task_id in state.user_tasks


def test_history_records_start_before_completion(document, flow, clock, lookup_evaluator):
    definitions = single_task(document, flow, '<bpmn:task id="T"/>')
    state, effects = start(definitions, "P", {"a": 1}, clock, evaluator=lookup_evaluator)
    kinds = [(type(e).__name__, getattr(e, "element_id", None)) for e in effects]
    assert kinds == [
        ("ActivityStarted", "S"), ("ActivityCompleted", "S"),
        ("ActivityStarted", "T"), ("ActivityCompleted", "T"),
        ("ActivityStarted", "E"), ("ActivityCompleted", "E"),
        ("InstanceCompleted", None),
    ]  # fmt: skip
    assert effects[-1] == InstanceCompleted("P", {"a": 1}, False)
    assert state.status.value == "completed"
    assert all(isinstance(e, ActivityStarted | ActivityCompleted) for e in effects[:-1])


def test_job_carries_type_headers_and_input_mappings(document, flow, clock, lookup_evaluator):
    definitions = single_task(
        document,
        flow,
        '<bpmn:serviceTask id="T"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="=jobType" retries="5"/>'
        '<zeebe:taskHeaders><zeebe:header key="k" value="v"/></zeebe:taskHeaders>'
        '<zeebe:ioMapping><zeebe:input source="=claim.id" target="claimId"/></zeebe:ioMapping>'
        "</bpmn:extensionElements></bpmn:serviceTask>",
    )
    variables = {"jobType": "score", "claim": {"id": "C-7"}}
    state, effects = start(definitions, "P", variables, clock, evaluator=lookup_evaluator)
    [job] = [e for e in effects if isinstance(e, JobCreated)]
    assert (job.type, job.retries, job.headers) == ("score", 5, {"k": "v"})
    assert job.variables["claimId"] == "C-7"
    # input mappings are local to the task: they do not leak into the process scope
    state, _ = complete_job(definitions, state, job.job_id, {"score": 3}, clock,
                            evaluator=lookup_evaluator)  # fmt: skip
    assert "claimId" not in state.variables
    assert state.variables["score"] == 3


def test_commands_leave_the_given_state_untouched(document, flow, clock, lookup_evaluator):
    definitions = single_task(document, flow, '<bpmn:userTask id="T"/>')
    state, _ = start(definitions, "P", {}, clock, evaluator=lookup_evaluator)
    before = json.dumps(state.to_dict(), sort_keys=True)
    [task_id] = state.user_tasks
    after, _ = complete_user_task(definitions, state, task_id, {"x": 1}, clock,
                                  evaluator=lookup_evaluator)  # fmt: skip
    assert json.dumps(state.to_dict(), sort_keys=True) == before
    assert after.status.value == "completed"


def test_state_survives_a_json_roundtrip(document, flow, clock, lookup_evaluator):
    definitions = single_task(
        document,
        flow,
        '<bpmn:userTask id="T"/>',
        extra='<bpmn:boundaryEvent id="B" attachedToRef="T"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:boundaryEvent>",
    )
    state, _ = start(definitions, "P", {"n": [1, 2]}, clock, evaluator=lookup_evaluator)
    restored = InstanceState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state
    [timer] = restored.timers.values()
    assert timer.due == (clock.now() + timedelta(hours=1)).isoformat()


def test_command_errors(document, flow, clock, lookup_evaluator):
    definitions = single_task(
        document,
        flow,
        '<bpmn:userTask id="T"/>',
        roots='<bpmn:message id="M" name="m"/>',
        extra='<bpmn:boundaryEvent id="B" attachedToRef="T" cancelActivity="false">'
        "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
        "</bpmn:timerEventDefinition></bpmn:boundaryEvent>",
    )
    kw = {"evaluator": lookup_evaluator}
    with pytest.raises(UnsupportedProcessError):
        start(definitions, "Nope", {}, clock, **kw)
    state, _ = start(definitions, "P", {}, clock, **kw)
    with pytest.raises(UnknownWaitStateError):
        complete_user_task(definitions, state, "task-999", {}, clock, **kw)
    [timer_id] = state.timers
    with pytest.raises(TimerNotDueError):
        fire_timer(definitions, state, timer_id, clock, **kw)
    with pytest.raises(NotCorrelatedError):
        correlate_message(definitions, state, "m", None, {}, clock, **kw)
    [task_id] = state.user_tasks
    done, effects = complete_user_task(definitions, state, task_id, {}, clock, **kw)
    assert any(type(e).__name__ == "TimerCancelled" for e in effects)
    with pytest.raises(InstanceNotActiveError):
        complete_user_task(definitions, done, task_id, {}, clock, **kw)


def test_failed_job_incident_can_be_resolved(document, flow, clock, lookup_evaluator):
    definitions = single_task(
        document, flow,
        '<bpmn:serviceTask id="T"><bpmn:extensionElements><zeebe:taskDefinition type="x"'
        ' retries="1"/></bpmn:extensionElements></bpmn:serviceTask>',
    )  # fmt: skip
    kw = {"evaluator": lookup_evaluator}
    state, _ = start(definitions, "P", {}, clock, **kw)
    [job_id] = state.jobs
    state, effects = fail_job(definitions, state, job_id, 0, "down", clock, **kw)
    [incident] = [e for e in effects if isinstance(e, IncidentRaised)]
    assert incident.element_id == "T"
    state, effects = resolve_incident(definitions, state, incident.incident_id, clock,
                                      retries=3, **kw)  # fmt: skip
    assert [e.retries for e in effects if isinstance(e, JobCreated)] == [3]
    state, _ = complete_job(definitions, state, job_id, {}, clock, **kw)
    assert state.status.value == "completed"


def test_call_activity_waits_for_the_called_instance(document, flow, clock, lookup_evaluator):
    definitions = single_task(
        document, flow,
        '<bpmn:callActivity id="T"><bpmn:extensionElements>'
        '<zeebe:calledElement processId="=child" propagateAllChildVariables="true"/>'
        "</bpmn:extensionElements></bpmn:callActivity>",
    )  # fmt: skip
    kw = {"evaluator": lookup_evaluator}
    state, effects = start(definitions, "P", {"child": "kyc"}, clock, **kw)
    [call] = [e for e in effects if isinstance(e, CallActivityStarted)]
    assert call.process_id == "kyc"
    assert call.variables == {"child": "kyc"}
    state, _ = complete_call_activity(definitions, state, call.token_id, {"ok": True}, clock, **kw)
    assert state.status.value == "completed"
    assert state.variables["ok"] is True


def test_signal_boundary_without_interrupting(document, flow, clock, lookup_evaluator):
    definitions = single_task(
        document, flow,
        '<bpmn:userTask id="T"/>',
        roots='<bpmn:signal id="Sig" name="alarm"/>',
        extra='<bpmn:boundaryEvent id="B" attachedToRef="T" cancelActivity="false">'
        '<bpmn:signalEventDefinition signalRef="Sig"/></bpmn:boundaryEvent>'
        '<bpmn:userTask id="Extra"/>' + flow("f3", "B", "Extra"),
    )  # fmt: skip
    kw = {"evaluator": lookup_evaluator}
    state, _ = start(definitions, "P", {}, clock, **kw)
    state, effects = broadcast_signal(definitions, state, "alarm", {"level": 2}, clock, **kw)
    opened = [e.element_id for e in effects if isinstance(e, UserTaskActivated)]
    assert opened == ["Extra"]
    assert sorted(t.element_id for t in state.user_tasks.values()) == ["Extra", "T"]
    assert state.variables["level"] == 2
    # nothing is cancelled by a non-interrupting boundary
    assert not [e for e in effects if isinstance(e, UserTaskCancelled)]


def test_message_correlation_key_must_match(document, flow, clock, lookup_evaluator):
    definitions = single_task(
        document, flow,
        '<bpmn:receiveTask id="T" messageRef="M"/>',
        roots='<bpmn:message id="M" name="docs"><bpmn:extensionElements>'
        '<zeebe:subscription correlationKey="=ref"/></bpmn:extensionElements></bpmn:message>',
    )  # fmt: skip
    kw = {"evaluator": lookup_evaluator}
    state, _ = start(definitions, "P", {"ref": 42}, clock, **kw)
    with pytest.raises(NotCorrelatedError):
        correlate_message(definitions, state, "docs", "41", {}, clock, **kw)
    state, _ = correlate_message(definitions, state, "docs", "42", {"n": 1}, clock, **kw)
    assert state.status.value == "completed"
    assert state.variables["n"] == 1


def test_state_copy_is_deep(document, flow, clock, lookup_evaluator):
    definitions = single_task(document, flow, '<bpmn:userTask id="T"/>')
    state, _ = start(definitions, "P", {"claim": {"items": [1, 2]}}, clock,
                     evaluator=lookup_evaluator)  # fmt: skip
    copied = state.copy()
    assert copied == state
    copied.variables["claim"]["items"].append(3)
    next(iter(copied.tokens.values())).locals["x"] = 1
    assert state.variables["claim"]["items"] == [1, 2]
    assert all("x" not in token.locals for token in state.tokens.values())


def test_gateway_incident_resolved_after_fixing_variables(document, flow, clock, lookup_evaluator):
    from kontor.process.runtime import set_variables

    definitions = parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:exclusiveGateway id="G"/>'
            '<bpmn:endEvent id="A"/><bpmn:endEvent id="B"/>'
            + flow("f0", "S", "G")
            + flow("f1", "G", "A", "=go")
            + flow("f2", "G", "B", "=stop")
        )
    )
    kw = {"evaluator": lookup_evaluator}
    state, effects = start(definitions, "P", {"go": False, "stop": False}, clock, **kw)
    [incident] = [e for e in effects if isinstance(e, IncidentRaised)]
    state, _ = set_variables(definitions, state, {"stop": True}, clock, **kw)
    state, effects = resolve_incident(definitions, state, incident.incident_id, clock, **kw)
    assert [e.element_id for e in effects if isinstance(e, ActivityCompleted)] == ["G", "B"]
    assert state.status.value == "completed"
    assert state.incidents == {}


def test_interrupted_call_activity_is_cancelled(document, flow, clock, lookup_evaluator):
    from kontor.process.runtime import CallActivityCancelled

    definitions = single_task(
        document, flow,
        '<bpmn:callActivity id="T" calledElement="child"/>',
        roots='<bpmn:message id="M" name="stop"/>',
        extra='<bpmn:boundaryEvent id="B" attachedToRef="T"><bpmn:messageEventDefinition'
        ' messageRef="M"/></bpmn:boundaryEvent>' + flow("f3", "B", "E"),
    )  # fmt: skip
    kw = {"evaluator": lookup_evaluator}
    state, effects = start(definitions, "P", {}, clock, **kw)
    [call] = [e for e in effects if isinstance(e, CallActivityStarted)]
    assert call.process_id == "child"
    state, effects = correlate_message(definitions, state, "stop", None, {}, clock, **kw)
    assert CallActivityCancelled(call.token_id, "T") in effects
    assert state.status.value == "completed"
