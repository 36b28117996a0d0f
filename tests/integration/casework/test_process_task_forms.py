"""A process's user task names its form (``zeebe:formDefinition`` or ``camunda:formKey``); the
task checks its completion data against the deployed form before the token moves on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kontor.casework.forms import FormKind, InvalidFormData, deploy_form
from kontor.casework.tasks import TaskStore, WorkOnTask
from support.backends import BACKENDS
from support.process_world import TENANT, World, chain, model, process

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
FORM = json.loads(
    (Path(__file__).parents[2] / "support/forms/schadenmeldung-pruefen.form").read_text()
)
ZEEBE = (
    '<zeebe:formDefinition formId="schadenmeldung-pruefen"/>'
    '<zeebe:assignmentDefinition assignee="anna"/>'
)
CAMUNDA = (
    'camunda:formKey="camunda-forms:deployment:schadenmeldung-pruefen.form" camunda:assignee="anna"'
)


def review(key: str, extension: str = "", attribute: str = "") -> str:
    ext = f"<bpmn:extensionElements>{extension}</bpmn:extensionElements>" if extension else ""
    task = f'<bpmn:userTask id="Review" name="Schaden prüfen" {attribute}>{ext}</bpmn:userTask>'
    xml = model(process(key, '<bpmn:startEvent id="S"/>', task, '<bpmn:endEvent id="E"/>',
                        *chain("S", "Review", "E")))  # fmt: skip
    return xml.replace(
        "xmlns:zeebe=", 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:zeebe=', 1
    )


@pytest.mark.parametrize(
    ("extension", "attribute"), [(ZEEBE, ""), ("", CAMUNDA)], ids=["zeebe", "camunda7"]
)
def test_a_process_task_is_completed_only_with_data_that_fills_its_form(
    engine: Engine, extension: str, attribute: str
) -> None:
    world = World(engine)
    with world.kontor.bus.unit_of_work() as uow:
        deploy_form(uow, TENANT, "admin", FormKind.CAMUNDA, FORM)
        uow.commit()
    world.deploy(review("Claim", extension, attribute))
    instance_id = world.start("Claim")
    activated = world.task("Review")
    with world.kontor.bus.unit_of_work() as uow:
        found = TaskStore(uow.connection, TENANT).of_process_task(instance_id, activated.task_id)
    assert found is not None
    task = found[0]

    def complete(data: dict[str, object]) -> None:
        world.handle(WorkOnTask(tenant_id=TENANT, actor="anna", task_id=task.id,
                                operation="complete", arguments={"data": data},
                                as_manager=True))  # fmt: skip

    with pytest.raises(InvalidFormData) as refused:
        complete({"claimNumber": "S-20261", "amount": 10, "line": "leben"})
    assert [e["field"] for e in refused.value.details["errors"]] == [
        "body.data.insured", "body.data.line"
    ]  # fmt: skip
    assert world.status(instance_id) == "active"
    complete({"claimNumber": "S-20261", "amount": 10, "line": "motor", "insured": {"name": "Jö"}})
    assert world.status(instance_id) == "completed"
    assert world.record(instance_id).state.variables["line"] == "motor"
