"""Every (status, action) pair of the BPMN status model: what the model forbids is refused."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontor.apps.portfolio_transfer import (
    BROKER_ACTIONS,
    EASY_BKM,
    MACHINE_ACTIONS,
    UNDERWRITER_ACTIONS,
    case_model,
    request_model,
)
from kontor.apps.portfolio_transfer.status_model import CASE_PROCESS, REQUEST_PROCESS, model_xml
from kontor.bootstrap import Kontor, seed_development
from kontor.process import parse_bpmn, validate
from kontor.process.store import InstanceStore
from kontor.process.store.tables import process_definitions
from kontor.rules.deployment import RuleStore
from kontor.settings import Settings
from support.transfer import TransferWorld, household, transfer_world

PEOPLE_ACTIONS = BROKER_ACTIONS | UNDERWRITER_ACTIONS
TRANSIENT = {"Akzeptiert", "Angenommen"}  # the machine moves on at once


def paths() -> dict[str, list[str]]:
    """The shortest way of actions from the first status to every other (read from the model)."""
    model = request_model()
    found: dict[str, list[str]] = {model.initial: []}
    waiting = deque([model.initial])
    while waiting:
        status = waiting.popleft()
        for (source, action), target in sorted(model.transitions.items()):
            if source == status and target not in found:
                found[target] = [*found[status], action]
                waiting.append(target)
    return found


def drive(world: TransferWorld, request_id: str, actions: list[str]) -> None:
    """Take the request along ``actions``; the runs stand in for the machine's steps."""
    for action in actions:
        if action in {"submit_application", "bind"}:
            continue  # follows confirm_application and accept by itself
        if action == "accept":
            world.run()  # setOrder succeeds: Angenommen, then Gezeichnet
            continue
        answer = world.act(request_id, action, remark="Bitte ergänzen")
        assert answer.status_code in (200, 204), (action, answer.text)
        if action == "set_interest":
            world.run()  # the calculation, inside the window


def test_the_model_deploys_and_every_action_has_one_owner() -> None:
    for file_name, model in (("transfer_request.bpmn", request_model()),
                             ("underwriting_case.bpmn", case_model())):  # fmt: skip
        assert [str(i) for i in validate(parse_bpmn(model_xml(file_name)))] == []
        assert model.statuses
        assert model.transitions
    actions = request_model().actions
    assert actions == BROKER_ACTIONS | UNDERWRITER_ACTIONS | MACHINE_ACTIONS
    assert not (BROKER_ACTIONS & UNDERWRITER_ACTIONS)
    assert set(paths()) == set(request_model().statuses) | set(request_model().final)


def test_every_action_the_status_forbids_is_refused_naming_status_and_action(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    model = request_model()
    checked = 0
    for number, (status, actions) in enumerate(sorted(paths().items())):
        if status in TRANSIENT or status == "Gelöscht":
            continue
        [request_id] = world.add(household(f"HR-{number}"))
        drive(world, request_id, actions)
        assert world.status(request_id) == status
        for action in sorted(PEOPLE_ACTIONS - model.allowed(status)):
            answer = world.act(request_id, action, remark="x", condition_percent="1")
            if action in UNDERWRITER_ACTIONS and status == "Warte auf Anfrage":
                assert answer.status_code == 404, (status, action)  # not visible yet
                continue
            assert answer.status_code == 409, (status, action, answer.text)
            problem = answer.json()
            assert (problem["current_status"], problem["action"]) == (status, action)
            checked += 1
        assert world.status(request_id) == status  # nothing changed
    assert checked > 100


def test_the_engine_waits_where_the_app_says_the_request_stands(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    [request_id] = world.add(household("HR-1"))
    drive(world, request_id, ["forward", "request_information"])
    with kontor.bus.reading() as uow:
        instance = InstanceStore(uow.connection, world.broker_tenant).find_by_business_key(
            "PortfolioTransferRequest", request_id
        )
    assert instance is not None
    waiting = {token.element_id for token in instance.state.tokens.values()}
    assert waiting == {"status_informationsbedarf"}  # the gateway named "Informationsbedarf"
    assert world.status(request_id) == "Informationsbedarf"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_demo_insurer_and_broker_get_the_app_on_first_start(
    engine: Engine, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path)
    assert seed_development(engine, settings)
    with engine.connect() as connection:
        deployed = connection.execute(
            select(process_definitions.c.tenant_id, process_definitions.c.process_key)
        ).all()
        bound = RuleStore(connection, "versicherer").find_binding(EASY_BKM.name)
    expected = {(tenant, key) for tenant in ("versicherer", "makler-demo")
                for key in (REQUEST_PROCESS, CASE_PROCESS)}  # fmt: skip
    assert expected <= set(deployed)
    assert bound is not None
    assert bound.model_key == "portfolio_transfer_easy_bkm"
