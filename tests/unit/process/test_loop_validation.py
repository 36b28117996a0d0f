"""Impossible loop, multi-instance and token-quantity attributes are refused at deploy."""

import pytest

from kontor.process.bpmn import BpmnImportError, parse_bpmn, validate


def _issues(document, flow, task):
    xml = document(
        f'<bpmn:startEvent id="S"/>\n{task}\n<bpmn:endEvent id="E"/>'
        + flow("f1", "S", "T")
        + flow("f2", "T", "E")
    )
    return {issue.code: issue for issue in validate(parse_bpmn(xml))}


@pytest.mark.parametrize(
    ("task", "code"),
    [
        (
            '<bpmn:task id="T"><bpmn:standardLoopCharacteristics loopMaximum="-1">'
            "<bpmn:loopCondition>=false</bpmn:loopCondition>"
            "</bpmn:standardLoopCharacteristics></bpmn:task>",
            "loop_maximum_negative",
        ),
        (
            '<bpmn:task id="T"><bpmn:multiInstanceLoopCharacteristics>'
            "<bpmn:loopCardinality>0</bpmn:loopCardinality>"
            "</bpmn:multiInstanceLoopCharacteristics></bpmn:task>",
            "loop_cardinality_invalid",
        ),
        (
            '<bpmn:task id="T"><bpmn:multiInstanceLoopCharacteristics>'
            "<bpmn:loopCardinality>=-2</bpmn:loopCardinality>"
            "</bpmn:multiInstanceLoopCharacteristics></bpmn:task>",
            "loop_cardinality_invalid",
        ),
        ('<bpmn:task id="T" startQuantity="0"/>', "quantity_invalid"),
        ('<bpmn:task id="T" completionQuantity="-3"/>', "quantity_invalid"),
    ],
)
def test_the_error_names_the_activity_and_its_line(document, flow, task, code):
    issue = _issues(document, flow, task)[code]
    assert (issue.severity.value, issue.element_id, issue.line) == ("error", "T", 6)


def test_an_expression_cardinality_is_checked_when_it_runs(document, flow):
    task = (
        '<bpmn:task id="T"><bpmn:multiInstanceLoopCharacteristics>'
        "<bpmn:loopCardinality>=count</bpmn:loopCardinality>"
        "</bpmn:multiInstanceLoopCharacteristics></bpmn:task>"
    )
    assert "loop_cardinality_invalid" not in _issues(document, flow, task)


def test_a_loop_maximum_that_is_no_number_is_an_import_error(document, flow):
    xml = document(
        '<bpmn:startEvent id="S"/>\n<bpmn:task id="T">'
        '<bpmn:standardLoopCharacteristics loopMaximum="many"/></bpmn:task>' + flow("f1", "S", "T")
    )
    with pytest.raises(BpmnImportError) as error:
        parse_bpmn(xml, "claims.bpmn")
    assert (error.value.element_id, error.value.line) == ("T", 6)
    assert str(error.value).startswith("claims.bpmn:6: loopMaximum 'many'")
