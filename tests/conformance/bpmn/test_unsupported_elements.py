"""Elements Kontor cannot execute are refused at deploy, naming the element and the reason.

``unsupported/<model>.bpmn`` holds one small model per unsupported element kind;
``unsupported/expected.json`` lists, per model, the element ids and the reasons the refusal
must name. A refused deployment stores nothing.
"""

import json
from pathlib import Path

import pytest

from kontor.bootstrap import bootstrap
from kontor.messaging import FakeClock
from kontor.process import DeployProcess
from kontor.process.bpmn import Severity, parse_bpmn_file, validate, verdicts
from kontor.process.errors import InvalidProcessModel, ProcessNotFound
from kontor.process.store import DefinitionStore
from kontor.settings import Settings

UNSUPPORTED = Path(__file__).parent / "unsupported"
EXPECTED = json.loads((UNSUPPORTED / "expected.json").read_text())


def test_every_unsupported_model_has_expectations():
    assert sorted(EXPECTED) == sorted(path.stem for path in UNSUPPORTED.glob("*.bpmn"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validation_names_the_unsupported_element(name):
    definitions = parse_bpmn_file(UNSUPPORTED / f"{name}.bpmn")
    assert not any(verdict.executable for verdict in verdicts(definitions).values())
    errors = [str(issue) for issue in validate(definitions) if issue.severity is Severity.ERROR]
    for element_id, reason in EXPECTED[name]:
        assert any(f"'{element_id}'" in error and reason in error for error in errors), errors


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_deploy_refuses_the_model_and_stores_nothing(name, engine):
    kontor = bootstrap(Settings(), clock=FakeClock(), engine=engine)
    model = UNSUPPORTED / f"{name}.bpmn"
    with pytest.raises(InvalidProcessModel) as refused:
        kontor.bus.handle(
            DeployProcess(tenant_id="t1", bpmn_xml=model.read_text(), source_name=model.name)
        )
    issues = refused.value.details["issues"]
    for element_id, reason in EXPECTED[name]:
        assert any(f"'{element_id}'" in issue and reason in issue for issue in issues), issues
    process_id = next(iter(parse_bpmn_file(model).processes))
    with kontor.bus.unit_of_work() as uow, pytest.raises(ProcessNotFound):
        DefinitionStore(uow.connection, "t1").latest(process_id)
