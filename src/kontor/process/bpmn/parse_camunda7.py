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


_LISTENER_IMPLEMENTATIONS = ("class", "expression", "delegateExpression")
_CODE_ATTRIBUTES = ("class", "delegateExpression")


def _extension_children(element: Element, name: str) -> list[Element]:
    container = first_bpmn_child(element, "extensionElements")
    if container is None:
        return []
    return [
        child
        for child in container
        if namespace(child) in CAMUNDA7_NAMESPACES and local_name(child) == name
    ]


def _variable_problems(element: Element) -> list[str]:
    problems = []
    for direction in ("in", "out"):
        for mapping in _extension_children(element, direction):
            if mapping.get("variables") is not None or mapping.get("businessKey") is not None:
                continue
            source = mapping.get("source") or mapping.get("sourceExpression")
            if not source or not mapping.get("target"):
                problems.append(
                    f"camunda:{direction} needs a source (or sourceExpression) and a target"
                )
    return problems


def camunda7_problems(element: Element) -> tuple[str, ...]:
    """What Camunda 7 refuses in an element's Camunda attributes, as Kontor refuses it too."""
    problems = _variable_problems(element)
    for kind in ("executionListener", "taskListener"):
        for listener in _extension_children(element, kind):
            named = any(listener.get(name) for name in _LISTENER_IMPLEMENTATIONS)
            if not named and _camunda7_child(listener, "script") is None:
                problems.append(f"camunda:{kind} names no class, expression or script")
    if local_name(element) == "eventBasedGateway" and any(
        element.get(f"{{{ns}}}asyncAfter") == "true" for ns in CAMUNDA7_NAMESPACES
    ):
        problems.append("asyncAfter is not allowed on an event-based gateway")
    has_code = any(
        element.get(f"{{{ns}}}{name}") for ns in CAMUNDA7_NAMESPACES for name in _CODE_ATTRIBUTES
    )
    if has_code and any(element.get(f"{{{ns}}}resultVariable") for ns in CAMUNDA7_NAMESPACES):
        problems.append("resultVariable is only allowed with camunda:expression")
    return tuple(problems)
