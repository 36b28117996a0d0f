"""Every conformance model opens in a modeler: each flow element has a diagram shape or edge."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

HERE = Path(__file__).parent
MODELS = sorted((HERE / "models").glob("*.bpmn")) + sorted((HERE / "unsupported").glob("*.bpmn"))
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
# Modelers draw a data object through its references (dataObjectReference), not itself.
NOT_DRAWN = {
    "extensionElements", "multiInstanceLoopCharacteristics", "conditionExpression", "dataObject",
    "property",
}  # fmt: skip
CONTAINERS = {"subProcess", "transaction", "adHocSubProcess"}


def _flow_elements(container):
    for child in container:
        kind = child.tag.removeprefix(BPMN)
        drawn = kind not in NOT_DRAWN and not kind.endswith("EventDefinition")
        if child.tag.startswith(BPMN) and child.get("id") and drawn:
            yield child.get("id")
            if kind in CONTAINERS:
                yield from _flow_elements(child)


@pytest.mark.parametrize("model", MODELS, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_model_has_a_diagram_for_every_flow_element(model):
    root = ET.parse(model).getroot()
    drawn = {
        element.get("bpmnElement")
        for element in root.iter()
        if element.tag in (f"{DI}BPMNShape", f"{DI}BPMNEdge")
    }
    elements = {
        element_id
        for process in root.iter(f"{BPMN}process")
        for element_id in _flow_elements(process)
    }
    assert elements, model
    assert elements - drawn == set()
