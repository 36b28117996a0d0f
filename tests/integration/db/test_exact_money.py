"""Money stays exact through the JSON columns: process variables kept by a waiting instance."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine

from kontor.bootstrap import bootstrap
from kontor.messaging import FakeClock
from kontor.process.messages import DeployProcess, StartProcess
from kontor.process.store import InstanceStore
from kontor.settings import Environment, Settings
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

WAITING = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://t">
  <bpmn:process id="Pay" isExecutable="true">
    <bpmn:startEvent id="S"/><bpmn:userTask id="Approve"/><bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Approve"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Approve" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_process_variables_keep_decimal_values_exactly(engine: Engine) -> None:
    settings = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests")
    kontor = bootstrap(settings, engine=engine, clock=FakeClock())
    money = {"premium": Decimal("12.30"), "sum": Decimal("1234567890123456.78"),
             "rates": [Decimal("0.10"), Decimal("0.0001")]}  # fmt: skip
    kontor.bus.handle(DeployProcess(tenant_id="t1", bpmn_xml=WAITING))
    instance_id: str = kontor.bus.handle(
        StartProcess(tenant_id="t1", process_key="Pay", variables=money)
    )
    with kontor.bus.unit_of_work() as uow:
        variables = InstanceStore(uow.connection, "t1").get(instance_id).state.variables
    assert variables == money
    assert [str(variables["premium"]), str(variables["rates"][0])] == ["12.30", "0.10"]
