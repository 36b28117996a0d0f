"""Helpers to wrap process fragments into complete BPMN documents for tests."""

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'
    ' xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    ' id="defs" targetNamespace="http://kontor.test">\n'
)


def document(process_body: str, root_elements: str = "", executable: bool = True) -> str:
    """A definitions document with one process ``P`` holding ``process_body``."""
    flag = "true" if executable else "false"
    return (
        f"{HEADER}{root_elements}\n"
        f'<bpmn:process id="P" name="Test" isExecutable="{flag}">\n{process_body}\n'
        "</bpmn:process>\n</bpmn:definitions>\n"
    )


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    """A sequence flow, optionally with a condition expression."""
    if condition is None:
        return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>'
    return (
        f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}'
        "</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )


import pytest  # noqa: E402

from kontor.messaging import FakeClock  # noqa: E402


@pytest.fixture(name="document", scope="session")
def document_fixture():
    """The ``document`` helper, for tests that build BPMN inline."""
    return document


@pytest.fixture(name="flow", scope="session")
def flow_fixture():
    """The ``flow`` helper."""
    return flow


@pytest.fixture
def clock():
    """A fake clock of the test's own."""
    return FakeClock()


class LookupEvaluator:
    """Test double: an expression is a JSON literal or a (dotted) variable name."""

    def evaluate(self, expression, variables):
        import json

        text = expression.text.strip()
        try:
            return json.loads(text)
        except ValueError:
            value = variables
            for part in text.split("."):
                value = value[part]
            return value


@pytest.fixture(scope="session")
def lookup_evaluator():
    """An evaluator that resolves variable names and JSON literals only."""
    return LookupEvaluator()
