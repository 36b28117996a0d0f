"""Call activities through the bus: variables, nesting, errors, cancellation and versions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from kontor.process import (
    CancelInstance,
    CompleteUserTask,
    IncidentRaised,
    ProcessInstanceCompleted,
    ResolveIncident,
    UserTaskCancelled,
)
from kontor.process.errors import CalledInstanceNotCancellable, InvalidProcessModel
from support.backends import BACKENDS
from support.process_world import TENANT, World, chain, model, process

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

FAILED = '<bpmn:error id="ChildFailed" errorCode="CHILD_FAILED"/>'
CHILD = model(
    process(
        "Child",
        '<bpmn:startEvent id="S"/><bpmn:userTask id="Work"/>',
        '<bpmn:exclusiveGateway id="Ok" default="Ok_E"/><bpmn:endEvent id="E"/>',
        '<bpmn:endEvent id="ErrEnd"><bpmn:errorEventDefinition errorRef="ChildFailed"/>'
        "</bpmn:endEvent>",
        chain("S", "Work", "Ok", "E"),
        '<bpmn:sequenceFlow id="Ok_Err" sourceRef="Ok" targetRef="ErrEnd">'
        "<bpmn:conditionExpression>=fail = true</bpmn:conditionExpression></bpmn:sequenceFlow>",
    ),
    extra=FAILED,
)


def calling(key: str, called: str, attributes: str = "", mapping: str = "") -> str:
    """``key``: start → call ``called`` → user task After → end, error and timer boundaries."""
    return process(
        key,
        '<bpmn:startEvent id="S"/>',
        f'<bpmn:callActivity id="Call"><bpmn:extensionElements><zeebe:calledElement'
        f' processId="{called}" {attributes}/>{mapping}</bpmn:extensionElements>'
        "</bpmn:callActivity>",
        '<bpmn:userTask id="After"/><bpmn:endEvent id="E"/>',
        '<bpmn:boundaryEvent id="OnFail" attachedToRef="Call">'
        '<bpmn:errorEventDefinition errorRef="ChildFailed"/></bpmn:boundaryEvent>',
        '<bpmn:endEvent id="Failed"/>',
        '<bpmn:boundaryEvent id="Timeout" attachedToRef="Call"><bpmn:timerEventDefinition>'
        f"<bpmn:timeDuration>{'PT30M' if key == 'Top' else 'PT1H'}</bpmn:timeDuration>"
        '</bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:endEvent id="TimedOut"/>',
        chain("S", "Call", "After", "E"),
        chain("OnFail", "Failed"),
        chain("Timeout", "TimedOut"),
    )


MAPPING = (
    '<zeebe:ioMapping><zeebe:input source="=amount * 2" target="doubled"/>'
    '<zeebe:output source="=childResult" target="result"/></zeebe:ioMapping>'
)
PARENT = model(
    calling("Parent", "Child", 'propagateAllChildVariables="false"', MAPPING), extra=FAILED
)
TOP = model(calling("Top", "Parent"), extra=FAILED)


@pytest.fixture
def world(engine: Engine) -> World:
    world = World(engine)
    world.deploy(CHILD)
    world.deploy(PARENT)
    world.deploy(TOP)
    return world


def complete(world: World, element_id: str, **variables: object) -> None:
    task = world.task(element_id)
    world.handle(
        CompleteUserTask(
            tenant_id=TENANT, instance_id=task.instance_id, task_id=task.task_id,
            variables=variables,
        )
    )  # fmt: skip


def test_the_called_process_gets_the_inputs_and_returns_only_the_mapped_outputs(
    world: World,
) -> None:
    parent = world.start("Parent", variables={"amount": 5}, case_id="case-1")
    work = world.task("Work")
    assert work.instance_id != parent
    assert work.process_key == "Child"
    assert work.case_id == "case-1"
    assert (work.variables["amount"], work.variables["doubled"]) == (5, 10)
    complete(world, "Work", childResult=42, scratch=1)
    after = world.task("After")
    assert after.instance_id == parent
    assert after.variables == {"amount": 5, "result": 42}
    assert world.status(work.instance_id) == "completed"


def test_nested_calls_return_up_the_chain(world: World) -> None:
    top = world.start("Top", variables={"amount": 1})
    complete(world, "Work", childResult=7)
    [parent] = world.instances("Parent")
    assert world.task("After").instance_id == parent
    complete(world, "After")  # Parent's After task comes first
    assert world.status(parent) == "completed"
    assert world.task("After").instance_id == top
    complete(world, "After", done=True)
    assert world.status(top) == "completed"
    assert world.completed(top) == ["S", "Call", "After", "E"]


def test_an_error_the_child_does_not_catch_takes_the_parent_boundary(world: World) -> None:
    parent = world.start("Parent", variables={"amount": 5})
    child = world.task("Work").instance_id
    complete(world, "Work", fail=True)
    assert world.completed(parent)[-2:] == ["OnFail", "Failed"]
    assert world.status(parent) == "completed"
    assert world.status(child) == "terminated"
    assert world.record(child).state.incidents == {}


def test_an_error_nobody_catches_stays_an_incident_in_the_child(world: World) -> None:
    other = '<bpmn:error id="Other" errorCode="OTHER"/>'
    world.deploy(model(calling("Careless", "Child").replace("ChildFailed", "Other"), extra=other))
    careless = world.start("Careless", variables={"amount": 5})
    child = world.task("Work").instance_id
    complete(world, "Work", fail=True)
    [incident] = world.of(IncidentRaised)
    assert (incident.instance_id, incident.element_id) == (child, "ErrEnd")
    assert "CHILD_FAILED" in incident.reason
    assert world.status(careless) == "active"


def test_interrupting_the_caller_cancels_the_called_instances_down_the_chain(
    world: World,
) -> None:
    top = world.start("Top", variables={"amount": 1})
    [parent] = world.instances("Parent")
    child = world.task("Work").instance_id
    world.clock.advance(dt.timedelta(minutes=30))
    world.executor.run_until_idle()
    assert world.completed(top)[-2:] == ["Timeout", "TimedOut"]
    assert (world.status(parent), world.status(child)) == ("terminated", "terminated")
    [cancelled] = world.of(UserTaskCancelled)
    assert (cancelled.instance_id, cancelled.element_id) == (child, "Work")
    world.clock.advance(dt.timedelta(hours=2))
    assert world.executor.run_until_idle().claimed == 0  # Parent's own timer went with it


def tagged_child(tag: str, task: str) -> str:
    """A Child version with a version tag (or none) and its own user task id."""
    extensions = f'<zeebe:versionTag value="{tag}"/>' if tag else ""
    start, end = f"{task}Start", f"{task}End"
    return process(
        "Child", f'<bpmn:startEvent id="{start}"/>', f'<bpmn:userTask id="{task}"/>',
        f'<bpmn:endEvent id="{end}"/>', chain(start, task, end), extensions=extensions,
    )  # fmt: skip


def bound_call(call_id: str, attributes: str) -> str:
    return (
        f'<bpmn:callActivity id="{call_id}"><bpmn:extensionElements>'
        f'<zeebe:calledElement processId="Child" {attributes}/></bpmn:extensionElements>'
        "</bpmn:callActivity>"
    )


def test_versions_bind_to_the_latest_the_same_deployment_or_a_version_tag(
    world: World,
) -> None:
    world.deploy(model(tagged_child("v1", "WorkTagged")))
    caller = process(
        "Caller",
        '<bpmn:startEvent id="S"/><bpmn:parallelGateway id="Split"/>',
        bound_call("ByLatest", ""),
        bound_call("ByDeployment", 'bindingType="deployment"'),
        bound_call("ByTag", 'bindingType="versionTag" versionTag="v1"'),
        chain("S", "Split"),
        *(chain("Split", call) for call in ("ByLatest", "ByDeployment", "ByTag")),
    )
    world.deploy(model(caller, tagged_child("", "WorkBundled")))
    world.deploy(model(tagged_child("", "WorkLatest")))
    world.start("Caller")
    started = {world.task(t).element_id for t in ("WorkLatest", "WorkBundled", "WorkTagged")}
    assert started == {"WorkLatest", "WorkBundled", "WorkTagged"}
    assert len(world.instances("Child")) == 3


def test_an_unknown_called_process_is_an_incident_until_resolved(world: World) -> None:
    world.deploy(model(calling("Hopeful", "Missing"), extra=FAILED))
    hopeful = world.start("Hopeful")
    [incident] = world.of(IncidentRaised)
    assert (incident.instance_id, incident.element_id) == (hopeful, "Call")
    assert "'Missing'" in incident.reason
    world.deploy(model(tagged_child("", "Found").replace('"Child"', '"Missing"')))
    world.handle(
        ResolveIncident(
            tenant_id=TENANT, instance_id=hopeful, incident_id=incident.incident_id,
            actor="ops",
        )
    )  # fmt: skip
    assert world.task("Found").process_key == "Missing"


@pytest.mark.parametrize(
    "attributes", ['bindingType="versionTag"', 'bindingType="newest"'], ids=["no-tag", "unknown"]
)
def test_a_call_activity_with_a_broken_binding_is_refused_at_deploy(
    world: World, attributes: str
) -> None:
    with pytest.raises(InvalidProcessModel) as refused:
        world.deploy(
            model(
                process(
                    "Broken",
                    '<bpmn:startEvent id="S"/>',
                    bound_call("Bad", attributes),
                    chain("S", "Bad"),
                )
            )
        )
    assert any("Bad" in issue for issue in refused.value.details["issues"])


def test_cancelling_the_caller_cancels_the_called_instances(world: World) -> None:
    top = world.start("Top", variables={"amount": 1})
    [parent] = world.instances("Parent")
    child = world.task("Work").instance_id
    world.handle(CancelInstance(tenant_id=TENANT, instance_id=top, actor="ops"))
    statuses = {world.status(instance) for instance in (top, parent, child)}
    assert statuses == {"terminated"}


def test_a_called_instance_cannot_be_cancelled_on_its_own(world: World) -> None:
    top = world.start("Top", variables={"amount": 1})
    [parent] = world.instances("Parent")
    child = world.task("Work").instance_id
    with pytest.raises(CalledInstanceNotCancellable, match=f"cancel the root instance {top}") as e:
        world.handle(CancelInstance(tenant_id=TENANT, instance_id=child, actor="ops"))
    assert e.value.status == 409
    assert (e.value.details["parent_instance_id"], e.value.details["root_instance_id"]) == (
        parent, top
    )  # fmt: skip
    with pytest.raises(CalledInstanceNotCancellable, match=f"root instance {top}"):
        world.handle(CancelInstance(tenant_id=TENANT, instance_id=parent, actor="ops"))
    # Nothing ended, so the parent did not go on as if its child had completed.
    assert {world.status(i) for i in (top, parent, child)} == {"active"}
    assert world.of(ProcessInstanceCompleted) == []
    assert world.record(parent).state.tokens  # still waiting at its call activity
    complete(world, "Work")
    assert world.task("After").instance_id == parent  # the chain still works as modelled
