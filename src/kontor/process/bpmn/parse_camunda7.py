"""Camunda 7 ``camunda:inputOutput`` parameters as Kontor's input/output mappings."""

from __future__ import annotations

from kontor.process.bpmn.expressions import Expression, StaticOrExpression, camunda7_value
from kontor.process.bpmn.extensions import IoMapping, VariableMapping
from kontor.process.bpmn.xml import (
    CAMUNDA7_NAMESPACES,
    Element,
    attr,
    first_bpmn_child,
    line_of,
    local_name,
    namespace,
)


def _camunda7_child(element: Element, name: str) -> Element | None:
    for child in element:
        if namespace(child) in CAMUNDA7_NAMESPACES and local_name(child) == name:
            return child
    return None


def _parameter_source(parameter: Element) -> StaticOrExpression:
    nested = [child for child in parameter if local_name(child)]
    if nested:
        # camunda:list, camunda:map, camunda:script: kept as an expression in that language,
        # which validation reports and the runtime refuses rather than ignores.
        kind = local_name(nested[0])
        language = attr(nested[0], "scriptFormat") if kind == "script" else None
        return Expression(kind, language or f"camunda:{kind}", line_of(parameter))
    text = "".join(str(part) for part in parameter.itertext())
    return camunda7_value(text, line_of(parameter)) or ""


def camunda7_io_mapping(element: Element) -> IoMapping | None:
    """The ``camunda:inputOutput`` of an activity, or None when it has none."""
    container = first_bpmn_child(element, "extensionElements")
    io_node = None if container is None else _camunda7_child(container, "inputOutput")
    if io_node is None:
        return None
    inputs: list[VariableMapping] = []
    outputs: list[VariableMapping] = []
    for parameter in io_node:
        kind = local_name(parameter)
        if namespace(parameter) not in CAMUNDA7_NAMESPACES or kind not in (
            "inputParameter",
            "outputParameter",
        ):
            continue
        mapping = VariableMapping(
            source=_parameter_source(parameter), target=attr(parameter, "name") or ""
        )
        (inputs if kind == "inputParameter" else outputs).append(mapping)
    return IoMapping(inputs=tuple(inputs), outputs=tuple(outputs))
