"""Service tasks whose handlers run inline: within the step that reaches them, never twice."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from kontor.process import BpmnError, ProcessInstanceCompleted, TaskCompleted, UserTaskActivated
from kontor.process.launch import launch
from kontor.process.store import InstanceStore
from kontor.process.task_handlers import IDEMPOTENCY_HEADER
from support.backends import BACKENDS
from support.process_world import World, checked

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

MODELS = Path(__file__).resolve().parents[2] / "conformance" / "bpmn" / "models"
CLAIM = (MODELS / "claim_triage_feel.bpmn").read_text()


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


def _complete_review(world: World, instance: str) -> None:
    [task] = world.of(UserTaskActivated)
    world.kontor.bus.publish(
        TaskCompleted(
            tenant_id="t1", task_id="casework-1", process_instance_id=instance,
            process_task_id=task.task_id, variables={"approved": True},
        )
    )  # fmt: skip


def test_inline_handlers_finish_the_instance_in_the_completing_step(world: World) -> None:
    calls: list[str] = []

    def ledger(variables: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        calls.append(headers[IDEMPOTENCY_HEADER])
        return {"booked": variables["reserve"]}

    world.handlers.register("notify", lambda variables, headers: {"notified": True}, inline=True)
    world.handlers.register("ledger", ledger, inline=True)
    world.deploy(CLAIM)
    instance = world.start("ClaimTriage", variables={"amount": 5000})
    _complete_review(world, instance)
    assert world.status(instance) == "completed"  # no executor run needed
    assert world.executor.run_until_idle().claimed == 0
    assert calls == [f"{instance}/{calls[0].split('/')[1]}"]
    [done] = world.of(ProcessInstanceCompleted)
    assert (done.variables["booked"], done.variables["notified"]) == (4500, True)
    history = world.completed(instance)  # the inline tasks are in the history like any other
    assert {"NotifyCustomer", "UpdateLedger", "JoinGw", "EndEvt"} <= set(history)
    with world.kontor.bus.unit_of_work() as uow:
        assert InstanceStore(uow.connection, "t1").jobs(instance) == []


def test_an_inline_handler_that_fails_leaves_the_job_to_the_executor(world: World) -> None:
    attempts: list[str] = []

    def flaky(variables: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        attempts.append(headers[IDEMPOTENCY_HEADER])
        if len(attempts) == 1:
            raise ConnectionError("ledger busy")
        return {"booked": True}

    world.handlers.register("notify", lambda variables, headers: {"notified": True}, inline=True)
    world.handlers.register("ledger", flaky, inline=True)
    world.deploy(CLAIM)
    instance = world.start("ClaimTriage", variables={"amount": 200})
    _complete_review(world, instance)
    assert world.status(instance) == "active"  # waits at the ledger job, nothing lost
    with world.kontor.bus.unit_of_work() as uow:
        [job] = InstanceStore(uow.connection, "t1").jobs(instance)
    assert (job["element_id"], job["retries"]) == ("UpdateLedger", 3)
    assert world.executor.run_until_idle().completed == 1
    assert world.status(instance) == "completed"
    assert attempts[0] == attempts[1]  # the same job, the same idempotency key


def test_an_inline_bpmn_error_takes_the_boundary_event(world: World) -> None:
    def reject(variables: Mapping[str, Any], headers: Mapping[str, str]) -> None:
        raise BpmnError("REJECTED", "not insured", {"why": "no cover"})

    world.handlers.register("check", reject, inline=True)
    world.deploy(checked(retries=2))
    instance = world.start("Checked")
    assert world.completed(instance)[-2:] == ["OnRejected", "Refused"]
    assert world.of(ProcessInstanceCompleted)[0].variables == {"why": "no cover"}


def test_a_step_applied_again_reuses_the_inline_result(world: World) -> None:
    calls: list[str] = []

    def count(variables: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        calls.append(headers[IDEMPOTENCY_HEADER])
        return {"checked": len(calls)}

    world.handlers.register("check", count, inline=True)
    world.deploy(checked(retries=2))
    services = world.kontor.process_jobs.services
    with world.kontor.bus.unit_of_work() as uow:
        definition = services.latest(uow, "t1", "Checked")
        first = launch(services, uow, definition, {}, {"tenant_id": "t1"}, instance_id="i-1")
        uow.rollback()  # the transaction is lost (a batch redone one by one, a retry)
    with world.kontor.bus.unit_of_work() as uow:
        again = launch(services, uow, definition, {}, {"tenant_id": "t1"}, instance_id="i-1")
        uow.commit()
    assert calls == ["i-1/" + calls[0].split("/")[1]]  # the handler ran once
    assert first.state.status == again.state.status
    assert again.state.scopes[again.state.root_scope_id].variables.get("checked") == 1
