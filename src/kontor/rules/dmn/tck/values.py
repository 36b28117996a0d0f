"""Reading TCK test files: test cases, input values and expected results (testCases.xsd)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree

from kontor.rules.dmn import feel_bridge
from kontor.rules.dmn.xml_reader import XSI_NIL, parse_xml

_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_TEMPORAL_FUNCTIONS = {
    "date": "date",
    "time": "time",
    "dateTime": "date and time",
    "duration": "duration",
    "dayTimeDuration": "duration",
    "yearMonthDuration": "duration",
}


@dataclass(frozen=True)
class InputNode:
    """A named input value, optionally for an imported model's namespace."""

    name: str
    namespace: str | None
    value: Any


@dataclass(frozen=True)
class ResultNode:
    """An expected result: value (None = null) or an expected error."""

    name: str
    expected: Any
    has_expected: bool
    error_result: bool


@dataclass(frozen=True)
class TestCase:
    """One test case of a TCK test file."""

    case_id: str
    kind: str  # decision | bkm | decisionService
    invocable: str | None
    inputs: tuple[InputNode, ...]
    results: tuple[ResultNode, ...]
    description: str


@dataclass(frozen=True)
class TestFile:
    """A parsed *-test-*.xml file."""

    path: Path
    model_name: str | None
    cases: tuple[TestCase, ...]


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [item for item in element if isinstance(item.tag, str) and _local(item) == name]


def _first(element: etree._Element, name: str) -> etree._Element | None:
    found = _children(element, name)
    return found[0] if found else None


def read_value(element: etree._Element | None) -> Any:
    """Convert a valueType element (value, component*, list) into a FEEL value."""
    if element is None or element.get(XSI_NIL) == "true":
        return None
    value = _first(element, "value")
    if value is not None:
        return _simple(value)
    components = _children(element, "component")
    if components:
        return {component.get("name", ""): read_value(component) for component in components}
    items = _first(element, "list")
    if items is not None:
        if items.get(XSI_NIL) == "true":
            return None
        return [read_value(item) for item in _children(items, "item")]
    return None


def _simple(element: etree._Element) -> Any:
    if element.get(XSI_NIL) == "true":
        return None
    text = element.text or ""
    xsd_type = (element.get(_TYPE) or "").rpartition(":")[2]
    if xsd_type in ("decimal", "double", "float", "integer", "int", "long"):
        try:
            return Decimal(text.strip())
        except InvalidOperation:
            return None
    if xsd_type == "boolean":
        return text.strip() == "true"
    if xsd_type in _TEMPORAL_FUNCTIONS:
        return feel_bridge.feel().evaluate(
            f"{_TEMPORAL_FUNCTIONS[xsd_type]}(text)", {"text": text.strip()}
        )
    return text


def read_test_file(path: Path) -> TestFile:
    """Parse a TCK test file."""
    root = parse_xml(path.read_bytes(), path.name)
    model = _first(root, "modelName")
    cases = []
    for index, case in enumerate(_children(root, "testCase")):
        inputs = tuple(
            InputNode(node.get("name", ""), node.get("namespace"), read_value(node))
            for node in _children(case, "inputNode")
        )
        results = tuple(
            ResultNode(
                node.get("name", ""),
                read_value(_first(node, "expected")),
                _first(node, "expected") is not None,
                node.get("errorResult") == "true",
            )
            for node in _children(case, "resultNode")
        )
        description = _first(case, "description")
        cases.append(
            TestCase(
                case.get("id") or str(index + 1),
                case.get("type") or "decision",
                case.get("invocableName"),
                inputs,
                results,
                (description.text or "").strip() if description is not None else "",
            )
        )
    return TestFile(path, None if model is None else (model.text or "").strip(), tuple(cases))
