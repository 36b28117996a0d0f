"""The ``task.created`` hook point: a bound decision routes new tasks, rebinding takes effect
for the next one, and the decision is in the task's history."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from kontor.casework.tasks import CreateTask, Task, TaskState, TaskStore
from kontor.platform import Principal
from support.backends import BACKENDS
from support.process_world import TENANT, World, chain, model, process

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

ADMIN = Principal("admin", TENANT, permissions=frozenset({"rules:deploy", "rules:bind"}))
CLAIM = model(
    process(
        "Claim",
        '<bpmn:startEvent id="S"/><bpmn:userTask id="Review" name="Review claim"/>'
        '<bpmn:endEvent id="E"/>',
        chain("S", "Review", "E"),
    )
)


def routing_dmn(key: str, rules: list[tuple[str, str, int]]) -> bytes:
    """A decision 'Route' over the task's variable ``amount``: (condition, group, priority)."""
    body = "".join(
        f'<rule id="r{n}"><inputEntry id="i{n}"><text>{condition}</text></inputEntry>'
        f'<outputEntry id="g{n}"><text>"{group}"</text></outputEntry>'
        f'<outputEntry id="p{n}"><text>{priority}</text></outputEntry></rule>'
        for n, (condition, group, priority) in enumerate(rules)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/"'
        f' id="{key}" name="{key}" namespace="http://kontor.example/{key}">'
        '<decision id="route" name="Route"><decisionTable id="t" hitPolicy="FIRST">'
        '<input id="in"><inputExpression id="e" typeRef="number"><text>variables.amount'
        "</text></inputExpression></input>"
        '<output id="o1" name="candidateGroups" typeRef="string"/>'
        '<output id="o2" name="priority" typeRef="number"/>'
        f"{body}</decisionTable></decision></definitions>"
    ).encode()


def deploy_and_bind(world: World, key: str, rules: list[tuple[str, str, int]]) -> None:
    services = world.kontor.rules
    with world.kontor.bus.unit_of_work() as uow:
        services.deploy(uow, ADMIN, routing_dmn(key, rules), f"{key}.dmn")
        services.bind(uow, ADMIN, "task.created", key, "Route")
        uow.commit()


def stored(world: World, task_id: str) -> tuple[Task, list[tuple[str, str | None]]]:
    with world.kontor.bus.unit_of_work() as uow:
        store = TaskStore(uow.connection, TENANT)
        task, _ = store.get(task_id)
        entries = store.history(task_id)
    return task, [(e.operation, e.reason) for e in entries]


def test_the_bound_decision_routes_process_tasks_and_a_rebinding_the_next_one(
    engine: Engine,
) -> None:
    world = World(engine)
    world.deploy(CLAIM)
    deploy_and_bind(world, "by_amount", [("> 10000", "seniors", 80), ("-", "claims", 40)])
    first = world.start("Claim", variables={"amount": 25000})
    with world.kontor.bus.unit_of_work() as uow:
        found = TaskStore(uow.connection, TENANT).of_process_task(
            first, world.task("Review").task_id
        )
    assert found is not None
    task, history = stored(world, found[0].id)
    assert (task.state, task.candidate_groups, task.priority) == (
        TaskState.READY,
        ("seniors",),
        80,
    )
    assert history == [("create", None), ("route", "Route")]
    with world.kontor.bus.unit_of_work() as uow:
        [*_, route] = TaskStore(uow.connection, TENANT).history(task.id)
    assert route.details["model_key"] == "by_amount"
    assert route.details["output"] == {"candidateGroups": "seniors", "priority": 80}
    assert route.details["explanation"]  # why the rule matched, kept with the task

    deploy_and_bind(world, "everyone_to_triage", [("-", "triage", 10)])
    created: Task = world.handle(
        CreateTask(tenant_id=TENANT, actor="clerk", name="Call back", variables={"amount": 50})
    )
    assert (created.candidate_groups, created.priority) == (("triage",), 10)


def test_a_decision_that_answers_nonsense_leaves_the_task_as_it_was(engine: Engine) -> None:
    world = World(engine)
    deploy_and_bind(world, "broken", [("-", "claims", 500)])
    created: Task = world.handle(
        CreateTask(tenant_id=TENANT, actor="clerk", name="Call back", candidate_groups=["desk"])
    )
    task, history = stored(world, created.id)
    assert (task.candidate_groups, task.priority) == (("desk",), 50)
    assert history == [("create", None), ("route", "priority 500 is not within 0..100")]
