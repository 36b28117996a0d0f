"""Import errors name file, line and element."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kontor.rules.dmn import (
    Definitions,
    DmnFeelSyntaxError,
    DmnModelError,
    DmnXmlError,
    load_dmn,
)

Document = Callable[..., str]


def test_malformed_xml_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.dmn"
    path.write_text('<?xml version="1.0"?>\n<definitions>\n  <decision>\n</definitions>\n')
    with pytest.raises(DmnXmlError) as caught:
        load_dmn(path)
    message = str(caught.value)
    assert message.startswith("broken.dmn:4:")
    assert "malformed XML" in message


def test_non_dmn_root_is_rejected() -> None:
    with pytest.raises(DmnXmlError, match="not a DMN definitions document"):
        load_dmn("<html/>", file_name="page.dmn")


def test_unknown_element_names_line_and_element(dmn_document: Document) -> None:
    text = dmn_document('<decison id="d1" name="Typo"/>')
    with pytest.raises(DmnModelError) as caught:
        load_dmn(text, file_name="typo.dmn")
    error = caught.value
    assert error.file == "typo.dmn"
    assert error.line == 3
    assert "unknown element <decison>" in str(error)
    assert "id=d1" in str(error)


def test_unknown_expression_element(dmn_document: Document, feel: None) -> None:
    text = dmn_document(
        '<decision id="d1" name="D"><variable name="D"/><literalExpresion/></decision>'
    )
    with pytest.raises(DmnModelError, match=r"unknown element <literalExpresion>.*decision 'D'"):
        load_dmn(text, file_name="m.dmn")


def test_feel_syntax_error_names_decision_and_rule(dmn_document: Document, feel: None) -> None:
    text = dmn_document(
        """<decision id="d1" name="Risk">
  <variable name="Risk"/>
  <decisionTable id="t1" hitPolicy="UNIQUE">
    <input id="i1"><inputExpression typeRef="number"><text>age</text></inputExpression></input>
    <output id="o1" name="risk"/>
    <rule id="rule-7">
      <inputEntry id="e1"><text>&gt;&gt; 18</text></inputEntry>
      <outputEntry id="e2"><text>"high"</text></outputEntry>
    </rule>
  </decisionTable>
</decision>"""
    )
    with pytest.raises(DmnFeelSyntaxError) as caught:
        load_dmn(text, file_name="risk.dmn")
    message = str(caught.value)
    assert message.startswith("risk.dmn:9: FEEL syntax error")
    assert "decision 'Risk'" in message
    assert "rule-7" in message


def test_dangling_requirement(dmn_document: Document, feel: None) -> None:
    text = dmn_document(
        """<decision id="d1" name="D">
  <variable name="D"/>
  <informationRequirement><requiredInput href="#missing"/></informationRequirement>
  <literalExpression><text>1</text></literalExpression>
</decision>"""
    )
    with pytest.raises(DmnModelError, match="unknown element '#missing'"):
        load_dmn(text, file_name="d.dmn")


def test_missing_import(dmn_document: Document, feel: None) -> None:
    text = dmn_document(
        '<import name="other" namespace="urn:other" '
        'importType="https://www.omg.org/spec/DMN/20230324/MODEL/"/>'
    )
    with pytest.raises(DmnModelError, match="urn:other"):
        load_dmn(text, file_name="i.dmn")


@pytest.mark.parametrize(
    "namespace",
    [
        "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
        "http://www.omg.org/spec/DMN/20180521/MODEL/",
        "https://www.omg.org/spec/DMN/20191111/MODEL/",
        "https://www.omg.org/spec/DMN/20211108/MODEL/",
    ],
)
def test_older_dmn_namespaces_load(dmn_document: Document, namespace: str, feel: None) -> None:
    text = dmn_document(
        '<decision id="d1" name="D"><variable name="D"/>'
        "<literalExpression><text>1 + 1</text></literalExpression></decision>",
        namespace,
    )
    model = load_dmn(text)
    assert isinstance(model, Definitions)
    assert model.decision("d1") is model.decision("D")


def test_dmn11_qualified_type_refs(dmn_document: Document, feel: None) -> None:
    from kontor.rules.dmn import evaluate_decision

    text = dmn_document(
        '<itemDefinition name="tAge"><typeRef>feel:number</typeRef></itemDefinition>'
        '<inputData id="a" name="age"><variable name="age" typeRef="tns:tAge"/></inputData>'
        '<decision id="d" name="D"><variable name="D" typeRef="feel:string"/>'
        '<informationRequirement><requiredInput href="#a"/></informationRequirement>'
        "<literalExpression><text>string(age)</text></literalExpression></decision>",
        "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    )
    model = load_dmn(text)
    assert evaluate_decision(model, "D", {"age": 7}).value == "7"
    assert evaluate_decision(model, "D", {"age": "x"}).value is None  # not a number
