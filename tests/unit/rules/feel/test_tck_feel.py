"""The plain-FEEL decisions of the DMN TCK (compliance levels 2 and 3, folders named *-feel-*).

Decisions whose expected result depends on the DMN layer (item definitions, type coercion of
results, boxed expressions) are listed in KNOWN_GAPS; every other case must pass, and every
listed one must still fail (a fixed gap is noticed and taken off the list).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from kontor.rules.feel import FeelFunction, compile_expression
from kontor.rules.feel.operators import values_equal
from kontor.rules.feel.temporal import format_temporal, parse_temporal_literal

TCK = Path(__file__).resolve().parents[4].parent / "shared" / "dmn-tck"
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def _local(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element if _local(child) == name]


def _text_of(literal: Any) -> str:
    return "".join(text.text or "" for text in _children(literal, "text"))


@dataclass
class Case:
    """One expected decision result."""

    folder: str
    decision: str
    text: str
    inputs: dict[str, Any]
    expected: Any
    model: _Model


def read_value(node: Any) -> Any:
    """Expected/input value of a TCK node; temporal values become ('temporal', text)."""
    components = _children(node, "component")
    if components:
        return {component.get("name"): read_value(component) for component in components}
    for child in node:
        kind = _local(child)
        if kind == "value":
            if child.get(_XSI_NIL) == "true":
                return None
            if len(_children(child, "component")) or len(_children(child, "list")):
                return read_value(child)
            return _typed(child.get(_XSI_TYPE) or "", child.text or "")
        if kind == "list":
            return [read_value(item) for item in _children(child, "item")]
    return None


def _typed(xsd_type: str, text: str) -> Any:
    kind = xsd_type.rsplit(":", 1)[-1]
    if kind in ("decimal", "double", "integer", "int", "long"):
        return Decimal(text.strip())
    if kind == "boolean":
        return text.strip() == "true"
    if kind in ("date", "dateTime", "time", "duration", "dayTimeDuration", "yearMonthDuration"):
        return ("temporal", text.strip())
    return text


def as_feel(value: Any) -> Any:
    """Input values in FEEL form."""
    if isinstance(value, tuple):
        return parse_temporal_literal(value[1])
    if isinstance(value, list):
        return [as_feel(item) for item in value]
    if isinstance(value, dict):
        return {key: as_feel(item) for key, item in value.items()}
    return value


def same(actual: Any, expected: Any) -> bool:
    """Compare with TCK leniency: decimals may be given rounded."""
    if isinstance(expected, tuple):
        parsed = parse_temporal_literal(expected[1])
        return (
            parsed is not None
            and type(parsed) is type(actual)
            and values_equal(parsed, actual) is True
            and format_temporal(parsed) == format_temporal(actual)
        )
    if isinstance(expected, Decimal):
        if type(actual) is not Decimal:
            return False
        return actual == expected or actual.quantize(expected) == expected
    if isinstance(expected, bool) or expected is None:
        return actual is expected
    if isinstance(expected, list):
        return (
            type(actual) is list
            and len(actual) == len(expected)
            and all(same(a, e) for a, e in zip(actual, expected, strict=True))
        )
    if isinstance(expected, dict):
        return (
            type(actual) is dict
            and actual.keys() == expected.keys()
            and all(same(actual[key], expected[key]) for key in expected)
        )
    return bool(actual == expected)


class _Scope(Mapping[str, Any]):
    """Decisions and BKMs of a model, evaluated on first use."""

    def __init__(self, model: _Model, inputs: dict[str, Any]) -> None:
        self.model = model
        self.inputs = inputs
        self.cache: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name in self.inputs:
            return self.inputs[name]
        if name not in self.cache:
            self.cache[name] = self.model.evaluate(name, self)
        return self.cache[name]

    def __iter__(self) -> Iterator[str]:
        return iter([*self.inputs, *self.model.expressions])

    def __len__(self) -> int:
        return len(self.inputs) + len(self.model.expressions)


class _Model:
    def __init__(self, path: Path) -> None:
        root = etree.parse(str(path)).getroot()
        self.names: list[str] = []
        self.expressions: dict[str, tuple[list[str] | None, str]] = {}
        for element in root:
            kind = _local(element)
            if kind in ("decision", "businessKnowledgeModel", "inputData"):
                self.names.append(element.get("name"))
            if kind == "decision":
                literals = _children(element, "literalExpression")
                if literals:
                    self.expressions[element.get("name")] = (None, _text_of(literals[0]))
            elif kind == "businessKnowledgeModel":
                for logic in _children(element, "encapsulatedLogic"):
                    literals = _children(logic, "literalExpression")
                    if literals:
                        parameters = [p.get("name") for p in _children(logic, "formalParameter")]
                        self.expressions[element.get("name")] = (parameters, _text_of(literals[0]))

    def evaluate(self, name: str, scope: _Scope) -> Any:
        if name not in self.expressions:
            raise KeyError(name)
        parameters, text = self.expressions[name]
        if parameters is None:
            return compile_expression(text, self.names).evaluate(scope)
        body = compile_expression(text, [*self.names, *parameters])

        def call(*arguments: Any) -> Any:
            local = {**scope.inputs, **dict(zip(parameters, arguments, strict=True))}
            return body.evaluate(_Scope(self, local))

        return FeelFunction(parameters, call, name)


def cases(folder: Path) -> Iterator[Case]:
    """All decision results of a TCK folder that are plain literal expressions."""
    model = _Model(next(folder.glob("*.dmn")))
    for test_file in sorted(folder.glob("*test*.xml")):
        for test_case in _children(etree.parse(str(test_file)).getroot(), "testCase"):
            if test_case.get("type") in ("bkm", "decisionService"):
                continue
            inputs = {
                node.get("name"): as_feel(read_value(node))
                for node in _children(test_case, "inputNode")
            }
            for result in _children(test_case, "resultNode"):
                decision = result.get("name")
                if decision not in model.expressions or model.expressions[decision][0] is not None:
                    continue
                expected = read_value(_children(result, "expected")[0])
                text = model.expressions[decision][1]
                yield Case(folder.name, decision, text, inputs, expected, model)


def run(case: Case) -> Any:
    """Evaluate the decision of `case` in a fresh scope of its model."""
    return _Scope(case.model, case.inputs)[case.decision]


KNOWN_GAPS: dict[str, set[str]] = {
    "0068-feel-equality": {"time_005", "datetime_003_a"},
    "0070-feel-instance-of": {
        "number_013",
        "string_013",
        "list_013",
        "list_014",
        "list_014_a",
        "list_018",
        "context_013",
        "context_014",
    },
    "0082-feel-coercion": {
        "decision_001",
        "decision_003",
        "decision_005",
        "decision_006_a",
        "decision_007",
        "decision_007_a",
        "decision_bkm_002",
        "decision_bkm_003",
        "decision_bkm_004_a",
        "decision_bkm_005",
        "decision_bkm_005_a",
        "literal_002",
        "literal_004",
        "literal_005",
        "literal_006",
        "ds_invoke_002_with_singleton_list",
        "decision_context_03",
    },
    "0092-feel-lambda": {
        "decision_002_1",
        "decision_004_1",
        "decision_006_1",
        "decision_010_1_a",
        "decision_013_1",
    },
    "1146-feel-context-put-function": {"decision014", "nested010"},
}
FOLDERS = sorted(TCK.glob("compliance-level-*/*-feel-*")) if TCK.exists() else []


@pytest.mark.skipif(not FOLDERS, reason="the DMN TCK is not available next to the repository")
@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.name)
def test_tck_folder(folder: Path) -> None:
    """Every case passes except the known gaps, and every known gap still fails.

    A gap that starts passing fails this test until it is removed from KNOWN_GAPS, so the
    list always says exactly what does not work.
    """
    failures = {}
    for case in cases(folder):
        try:
            actual = run(case)
        except Exception as exc:  # a known gap may not even compile; counted as a failure
            failures[case.decision] = f"{case.text!r} raised {exc!r}"
            continue
        if not same(actual, case.expected):
            failures[case.decision] = f"{case.text!r} gave {actual!r}, want {case.expected!r}"
    known = KNOWN_GAPS.get(folder.name, set())
    regressions = [f"{name}: {failures[name]}" for name in sorted(set(failures) - known)]
    assert not regressions, "\n".join(regressions)
    fixed = sorted(known - set(failures))
    assert not fixed, f"now passing, remove from KNOWN_GAPS: {fixed}"
