"""The Camunda 7 engine's own test models: every one gets a verdict, recorded exactly.

``camunda7_corpus_verdicts.json`` holds the verdict of each of the 992 models (deploys, or
refused with the reason category) and the counts; the comparison is exact, so after a
deliberate improvement rewrite it with ``python -m conformance.bpmn.camunda7_corpus`` (from
``tests/``) and check that only refusals turned into deployments. How "needs Java" and "Camunda
refuses" are decided is in ``camunda7_corpus.py``.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from conformance.bpmn.camunda7_corpus import (
    CORPUS,
    EXPECTED,
    camunda_refuses,
    corpus_models,
    has_juel,
    needs_java,
    summary,
    verdicts,
)
from kontor.bootstrap import bootstrap
from kontor.messaging import FakeClock
from kontor.process import DeployProcess, StartProcess
from kontor.process.bpmn import parse_bpmn
from kontor.process.bpmn.expressions import JUEL
from kontor.process.store import InstanceStore
from kontor.process.store.tables import process_instances
from kontor.settings import Settings

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"Camunda 7 test models not found at {CORPUS} (shared/ absent)"
)
TENANT = "camunda7-corpus"


@pytest.fixture(scope="module")
def corpus():
    """Every model and its verdict (computed once: parsing the 992 models takes seconds)."""
    models = corpus_models()
    return models, verdicts(models)


def test_every_model_gets_the_recorded_verdict(corpus):
    models, verdict_of = corpus
    assert len(models) == 992
    recorded = json.loads(EXPECTED.read_text())
    assert summary(models, verdict_of) == recorded


def test_models_camunda_refuses_are_refused(corpus):
    models, verdict_of = corpus
    refused_by_camunda = [m.name for m in models if camunda_refuses(m)]
    assert len(refused_by_camunda) == 43
    assert [name for name in refused_by_camunda if verdict_of[name] == "deploys"] == []


def test_most_models_that_need_no_java_deploy(corpus):
    models, verdict_of = corpus
    without_java = [m for m in models if needs_java(m.data) is None and not camunda_refuses(m)]
    deployed = [m for m in without_java if verdict_of[m.name] == "deploys"]
    assert len(deployed) / len(without_java) >= 0.85


def test_deployed_models_hold_juel_that_kontor_evaluates(corpus):
    models, verdict_of = corpus
    juel_models = [m for m in models if has_juel(m.data) and verdict_of[m.name] == "deploys"]
    languages = set()
    for model in juel_models:
        for process in parse_bpmn(model.data, model.name).processes.values():
            languages.update(
                flow.condition.language for flow in process.flows.values() if flow.condition
            )
    assert len(juel_models) > 200
    assert JUEL in languages


# Corpus models whose JUEL conditions decide the path: start variables -> open user tasks.
ROUTED = [
    ("bpmn/gateway/ExclusiveGatewayTest.testDecideBasedOnBeanProperty.bpmn20.xml",
     {"order": {"price": 150}}, ["standardService"]),
    ("bpmn/gateway/ExclusiveGatewayTest.testDecideBasedOnBeanProperty.bpmn20.xml",
     {"order": {"price": 300.5}}, ["goldMemberService"]),
    ("bpmn/gateway/ExclusiveGatewayTest.testDefaultSequenceFlow.bpmn20.xml",
     {"input": 2}, ["theTask2"]),
    ("bpmn/gateway/ExclusiveGatewayTest.testDivergingExclusiveGateway.bpmn20.xml",
     {"input": 3}, ["theTask3"]),
    ("bpmn/gateway/InclusiveGatewayTest.testDivergingInclusiveGateway.bpmn20.xml",
     {"input": 2}, ["theTask2", "theTask3"]),
    ("bpmn/gateway/InclusiveGatewayTest.testDecideBasedOnBeanMethod.bpmn20.xml",
     {"order": {"basic": True, "standard": False, "gold": True}},
     ["basicService", "goldMemberService"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "variables", "expected"), ROUTED)
def test_juel_conditions_route_tokens_in_the_durable_engine(engine, name, variables, expected):
    data = (CORPUS / name).read_text()
    process_key = re.search(r'<process id="([^"]+)"', data).group(1)
    kontor = bootstrap(Settings(), clock=FakeClock(), engine=engine)
    kontor.bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=data, source_name=name))
    kontor.bus.handle(StartProcess(tenant_id=TENANT, process_key=process_key, variables=variables))
    with kontor.bus.unit_of_work() as uow:
        instance_id = uow.connection.execute(
            select(process_instances.c.instance_id).where(
                process_instances.c.tenant_id == TENANT,
                process_instances.c.process_key == process_key,
            )
        ).scalar_one()
        state = InstanceStore(uow.connection, TENANT).get(instance_id).state
    assert sorted(task.element_id for task in state.user_tasks.values()) == expected
    assert state.incidents == {}
