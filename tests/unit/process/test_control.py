"""Runtime control of one instance: suspend/resume, cancel and modification."""

import json

import pytest

from kontor.process.bpmn import parse_bpmn
from kontor.process.runtime import (
    ActivityStarted,
    ActivityTerminated,
    InstanceCompleted,
    InstanceNotActiveError,
    InstanceStatus,
    RuntimeCommandError,
    TimerCancelled,
    UserTaskActivated,
    UserTaskCancelled,
    Wait,
    complete_user_task,
    set_variables,
    start,
)
from kontor.process.runtime.control import (
    PARKED_USER_TASK,
    Modification,
    cancel,
    modify,
    park,
    resume,
    suspend,
)
from kontor.process.runtime.errors import (
    InstanceSuspendedError,
    InvalidModificationError,
    UnknownWaitStateError,
)
from kontor.process.runtime.state import InstanceState, ParkedCompletion

TIMER = (
    '<bpmn:boundaryEvent id="Late" attachedToRef="{host}" cancelActivity="false">'
    "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
    "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
)


@pytest.fixture
def chain(document, flow):
    """S → A → B → E, both tasks user tasks; A has a non-interrupting timer boundary."""
    return parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:userTask id="A"/><bpmn:userTask id="B"/>'
            '<bpmn:endEvent id="E"/><bpmn:endEvent id="LateEnd"/>'
            + TIMER.format(host="A")
            + flow("f1", "S", "A")
            + flow("f2", "A", "B")
            + flow("f3", "B", "E")
            + flow("f4", "Late", "LateEnd")
        )
    )


@pytest.fixture
def nested(document, flow):
    """S → Fork → (Sub: SubS → Inner → SubE) and Side, joined again before E."""
    return parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:parallelGateway id="Fork"/>'
            '<bpmn:subProcess id="Sub"><bpmn:startEvent id="SubS"/><bpmn:userTask id="Inner"/>'
            '<bpmn:endEvent id="SubE"/>'
            + flow("s1", "SubS", "Inner")
            + flow("s2", "Inner", "SubE")
            + '</bpmn:subProcess><bpmn:userTask id="Side"/><bpmn:endEvent id="E1"/>'
            '<bpmn:endEvent id="E2"/><bpmn:userTask id="After"/><bpmn:endEvent id="E3"/>'
            + flow("f1", "S", "Fork")
            + flow("f2", "Fork", "Sub")
            + flow("f3", "Fork", "Side")
            + flow("f4", "Sub", "E1")
            + flow("f5", "Side", "E2")
            + flow("f6", "After", "E3")
        )
    )


def _task(state, element_id):
    [task] = [t for t in state.user_tasks.values() if t.element_id == element_id]
    return task


def _started(definitions, clock, lookup_evaluator, **variables):
    return start(definitions, "P", variables, clock, evaluator=lookup_evaluator).state


def _modify(definitions, state, clock, evaluator, *instructions):
    return modify(definitions, state, list(instructions), clock, evaluator=evaluator)


def test_a_suspended_instance_refuses_progress_but_takes_variables(chain, clock, lookup_evaluator):
    state = suspend(_started(chain, clock, lookup_evaluator)).state
    task = _task(state, "A")
    with pytest.raises(InstanceSuspendedError, match="suspended"):
        complete_user_task(chain, state, task.id, {}, clock, evaluator=lookup_evaluator)
    with pytest.raises(InstanceSuspendedError, match="already"):
        suspend(state)
    state = set_variables(chain, state, {"fixed": True}, clock, evaluator=lookup_evaluator).state
    resumed = resume(chain, state, clock, evaluator=lookup_evaluator).state
    assert resumed.variables == {"fixed": True}
    moved = complete_user_task(chain, resumed, task.id, {}, clock, evaluator=lookup_evaluator)
    assert [e.element_id for e in moved.effects if isinstance(e, UserTaskActivated)] == ["B"]
    with pytest.raises(RuntimeCommandError, match="not suspended"):
        resume(chain, resumed, clock, evaluator=lookup_evaluator)


def test_a_completion_parked_while_suspended_moves_the_token_on_resume(
    chain, clock, lookup_evaluator
):
    state = suspend(_started(chain, clock, lookup_evaluator)).state
    task = _task(state, "A")
    done = ParkedCompletion(PARKED_USER_TASK, task.id, {"approved": True})
    parked = park(state, done)
    assert parked.effects == []
    assert (parked.state.user_tasks, parked.state.variables) == (state.user_tasks, {})
    assert _task(parked.state, "A").id == task.id  # the token still waits at A
    with pytest.raises(UnknownWaitStateError, match="completed already"):
        park(parked.state, done)
    with pytest.raises(UnknownWaitStateError, match="no open user task"):
        park(parked.state, ParkedCompletion(PARKED_USER_TASK, "task-99"))
    stored = InstanceState.from_dict(json.loads(json.dumps(parked.state.to_dict())))
    assert stored.parked == [done]

    resumed = resume(chain, stored, clock, evaluator=lookup_evaluator)

    assert (resumed.state.suspended, resumed.state.parked) == (False, [])
    assert resumed.state.variables == {"approved": True}
    activated = [e.element_id for e in resumed.effects if isinstance(e, UserTaskActivated)]
    assert activated == ["B"]


def test_a_parked_completion_whose_task_was_withdrawn_is_dropped_on_resume(
    chain, clock, lookup_evaluator
):
    state = suspend(_started(chain, clock, lookup_evaluator)).state
    task = _task(state, "A")
    state = park(state, ParkedCompletion(PARKED_USER_TASK, task.id, {"late": True})).state
    moved = _modify(
        chain, state, clock, lookup_evaluator,
        Modification("cancel", element_id="A"), Modification("start_before", element_id="B"),
    ).state  # fmt: skip

    resumed = resume(chain, moved, clock, evaluator=lookup_evaluator).state

    assert "late" not in resumed.variables
    assert [t.element_id for t in resumed.user_tasks.values()] == ["B"]
    cancelled = cancel(chain, suspend(resumed).state, clock, evaluator=lookup_evaluator).state
    assert cancelled.parked == []


def test_state_stored_before_parking_existed_has_nothing_parked(chain, clock, lookup_evaluator):
    data = suspend(_started(chain, clock, lookup_evaluator)).state.to_dict()
    del data["parked"]
    assert InstanceState.from_dict(data).parked == []


def test_cancel_withdraws_everything_and_terminates(chain, clock, lookup_evaluator):
    state = _started(chain, clock, lookup_evaluator, amount=5)
    task = _task(state, "A")
    result = cancel(chain, suspend(state).state, clock, evaluator=lookup_evaluator)
    after = result.state
    assert after.status is InstanceStatus.TERMINATED
    assert not after.suspended
    assert (after.tokens, after.user_tasks, after.timers) == ({}, {}, {})
    assert after.variables == {"amount": 5}
    kinds = {type(e) for e in result.effects}
    assert {UserTaskCancelled, TimerCancelled, ActivityTerminated} <= kinds
    assert [e.task_id for e in result.effects if isinstance(e, UserTaskCancelled)] == [task.id]
    [end] = [e for e in result.effects if isinstance(e, InstanceCompleted)]
    assert end.terminated
    with pytest.raises(InstanceNotActiveError, match="terminated"):
        cancel(chain, after, clock, evaluator=lookup_evaluator)


def test_cancel_then_start_before_moves_the_token(chain, clock, lookup_evaluator):
    state = _started(chain, clock, lookup_evaluator)
    result = _modify(
        chain, state, clock, lookup_evaluator,
        Modification("cancel", element_id="A"),
        Modification("start_before", element_id="B", variables={"note": "skipped A"}),
    )  # fmt: skip
    after = result.state
    assert after.status is InstanceStatus.ACTIVE
    assert [t.element_id for t in after.user_tasks.values()] == ["B"]
    assert after.timers == {}  # A's boundary timer went with A
    assert after.variables == {"note": "skipped A"}
    assert [type(e) for e in result.effects if isinstance(e, UserTaskCancelled)]
    assert state.user_tasks.keys() != after.user_tasks.keys()  # the given state is untouched


def test_start_after_takes_the_outgoing_flow(chain, clock, lookup_evaluator):
    state = _started(chain, clock, lookup_evaluator)
    a_token = _task(state, "A").token_id
    result = _modify(
        chain, state, clock, lookup_evaluator,
        Modification("cancel", activity_instance_id=a_token),
        Modification("start_after", element_id="B"),
    )  # fmt: skip
    assert result.state.status is InstanceStatus.COMPLETED
    assert not any(isinstance(e, ActivityStarted) and e.element_id == "B" for e in result.effects)


def test_cancelling_the_last_token_terminates_the_instance(chain, clock, lookup_evaluator):
    state = _started(chain, clock, lookup_evaluator)
    result = _modify(chain, state, clock, lookup_evaluator, Modification("cancel", element_id="A"))
    assert result.state.status is InstanceStatus.TERMINATED
    assert any(isinstance(e, InstanceCompleted) and e.terminated for e in result.effects)


def test_start_inside_a_sub_process_opens_its_scope(nested, clock, lookup_evaluator):
    state = _started(nested, clock, lookup_evaluator)
    state = _modify(
        nested, state, clock, lookup_evaluator,
        Modification("cancel", element_id="Sub"), Modification("start_before", element_id="After"),
    ).state  # fmt: skip
    assert {t.element_id for t in state.user_tasks.values()} == {"Side", "After"}
    result = _modify(
        nested, state, clock, lookup_evaluator, Modification("start_before", element_id="Inner")
    )
    opened = [e.element_id for e in result.effects if isinstance(e, ActivityStarted)]
    assert opened == ["Sub", "Inner"]
    host = next(t for t in result.state.tokens.values() if t.element_id == "Sub")
    assert host.wait is Wait.SCOPE
    inner = _task(result.state, "Inner")
    done = complete_user_task(
        nested, result.state, inner.id, {}, clock, evaluator=lookup_evaluator
    ).state
    assert "Sub" not in {t.element_id for t in done.tokens.values()}  # the sub-process completed


def test_a_started_element_joins_the_running_sub_process(nested, clock, lookup_evaluator):
    state = _started(nested, clock, lookup_evaluator)
    result = _modify(
        nested, state, clock, lookup_evaluator, Modification("start_before", element_id="Inner")
    )
    inner = [t for t in result.state.user_tasks.values() if t.element_id == "Inner"]
    assert len(inner) == 2
    scopes = {result.state.tokens[t.token_id].scope_id for t in inner}
    assert len(scopes) == 1  # no second sub-process instance


def test_cancelling_inside_a_sub_process_ends_it_but_not_the_instance(
    nested, clock, lookup_evaluator
):
    state = _started(nested, clock, lookup_evaluator)
    result = _modify(
        nested, state, clock, lookup_evaluator, Modification("cancel", element_id="Inner")
    )
    after = result.state
    assert after.status is InstanceStatus.ACTIVE
    assert {t.element_id for t in after.tokens.values()} == {"Side"}
    terminated = [e.element_id for e in result.effects if isinstance(e, ActivityTerminated)]
    assert terminated == ["Inner", "Sub"]


def test_a_failing_instruction_refuses_the_whole_modification(chain, clock, lookup_evaluator):
    state = _started(chain, clock, lookup_evaluator)
    with pytest.raises(InvalidModificationError, match=r"instruction 2 .*'Missing'"):
        _modify(
            chain, state, clock, lookup_evaluator,
            Modification("cancel", element_id="A"),
            Modification("start_before", element_id="Missing"),
        )  # fmt: skip
    assert [t.element_id for t in state.user_tasks.values()] == ["A"]


@pytest.mark.parametrize(
    ("instruction", "message"),
    [
        (Modification("cancel", activity_instance_id="token-99"), "'token-99'"),
        (Modification("cancel", element_id="B"), "'B' has no active instance"),
        (Modification("cancel"), "needs an activity_instance_id or an element_id"),
        (Modification("start_after", element_id="E"), "'E' has 0 outgoing sequence flows"),
        (Modification("start_before"), "needs an element_id"),
    ],
)
def test_instructions_naming_nothing_are_refused(
    chain, clock, lookup_evaluator, instruction, message
):
    state = _started(chain, clock, lookup_evaluator)
    with pytest.raises(InvalidModificationError, match=message):
        _modify(chain, state, clock, lookup_evaluator, instruction)


def test_cancelling_one_inner_instance_leaves_the_others_to_finish(
    document, flow, clock, lookup_evaluator
):
    definitions = parse_bpmn(
        document(
            '<bpmn:startEvent id="S"/><bpmn:userTask id="Sign">'
            "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>3</bpmn:loopCardinality>"
            '</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask><bpmn:endEvent id="E"/>'
            + flow("f1", "S", "Sign")
            + flow("f2", "Sign", "E")
        )
    )
    state = _started(definitions, clock, lookup_evaluator)
    first, *others = state.user_tasks.values()
    state = _modify(
        definitions, state, clock, lookup_evaluator,
        Modification("cancel", activity_instance_id=first.token_id),
    ).state  # fmt: skip
    assert sorted(state.user_tasks) == sorted(task.id for task in others)
    for task in others:
        state = complete_user_task(
            definitions, state, task.id, {}, clock, evaluator=lookup_evaluator
        ).state
    assert state.status is InstanceStatus.COMPLETED
