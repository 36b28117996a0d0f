"""Reading ``zeebe:`` extension elements and Camunda 7 attributes into ``TaskExtensions``."""

from __future__ import annotations

from kontor.process.bpmn.expressions import (
    FEEL,
    JUEL,
    Expression,
    StaticOrExpression,
    camunda7_value,
    zeebe_value,
)
from kontor.process.bpmn.extensions import (
    Assignment,
    CalledDecision,
    CalledElement,
    IoMapping,
    ScriptDefinition,
    TaskDefinition,
    TaskExtensions,
    TaskSchedule,
    VariableMapping,
)
from kontor.process.bpmn.parse_camunda7 import camunda7_io_mapping, camunda7_problems
from kontor.process.bpmn.xml import (
    ZEEBE_NS,
    Element,
    attr,
    bool_attr,
    camunda7_attr,
    first_bpmn_child,
    line_of,
    local_name,
    namespace,
)


def zeebe_elements(element: Element) -> dict[str, Element]:
    """The zeebe children of ``element``'s extensionElements, by local name (first wins)."""
    container = first_bpmn_child(element, "extensionElements")
    found: dict[str, Element] = {}
    if container is None:
        return found
    for child in container:
        if namespace(child) == ZEEBE_NS:
            found.setdefault(local_name(child), child)
    return found


def _mappings(io_mapping: Element, tag: str) -> tuple[VariableMapping, ...]:
    result: list[VariableMapping] = []
    for child in io_mapping:
        if namespace(child) != ZEEBE_NS or local_name(child) != tag:
            continue
        target = attr(child, "target") or ""
        source = zeebe_value(attr(child, "source"), line_of(child)) or ""
        result.append(VariableMapping(source=source, target=target))
    return tuple(result)


def _pairs(container: Element, tag: str, key: str, value: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (attr(child, key) or "", attr(child, value) or "")
        for child in container
        if namespace(child) == ZEEBE_NS and local_name(child) == tag
    )


def _zeebe_assignment(elements: dict[str, Element]) -> Assignment | None:
    node = elements.get("assignmentDefinition")
    if node is None:
        return None
    line = line_of(node)
    return Assignment(
        assignee=zeebe_value(attr(node, "assignee"), line),
        candidate_groups=zeebe_value(attr(node, "candidateGroups"), line),
        candidate_users=zeebe_value(attr(node, "candidateUsers"), line),
    )


def _camunda7_assignment(element: Element) -> Assignment | None:
    line = line_of(element)
    assignee = camunda7_value(camunda7_attr(element, "assignee"), line)
    groups = camunda7_value(camunda7_attr(element, "candidateGroups"), line)
    users = camunda7_value(camunda7_attr(element, "candidateUsers"), line)
    if assignee is None and groups is None and users is None:
        return None
    return Assignment(assignee=assignee, candidate_groups=groups, candidate_users=users)


def _schedule(element: Element, elements: dict[str, Element]) -> TaskSchedule | None:
    node = elements.get("taskSchedule")
    if node is not None:
        line = line_of(node)
        return TaskSchedule(
            due_date=zeebe_value(attr(node, "dueDate"), line),
            follow_up_date=zeebe_value(attr(node, "followUpDate"), line),
        )
    due = camunda7_value(camunda7_attr(element, "dueDate"), line_of(element))
    follow_up = camunda7_value(camunda7_attr(element, "followUpDate"), line_of(element))
    if due is None and follow_up is None:
        return None
    return TaskSchedule(due_date=due, follow_up_date=follow_up)


def _form_key(element: Element, elements: dict[str, Element]) -> str | None:
    form = elements.get("formDefinition")
    if form is not None:
        key = attr(form, "formKey") or attr(form, "externalReference")
        form_id = attr(form, "formId")
        return key or (f"form-id:{form_id}" if form_id else None)
    return camunda7_attr(element, "formKey")


def camunda7_expression(element: Element, name: str) -> StaticOrExpression | None:
    """A Camunda 7 attribute that may be an expression: ``${...}`` (JUEL) or ``=...`` (FEEL)."""
    raw = camunda7_attr(element, name)
    if raw is None:
        return None
    text = raw.strip()
    if text[:2] in ("${", "#{") and text.endswith("}"):
        return Expression(text, JUEL, line_of(element))
    return zeebe_value(raw, line_of(element))


def _task_definition(element: Element, elements: dict[str, Element]) -> TaskDefinition | None:
    node = elements.get("taskDefinition")
    if node is not None:
        line = line_of(node)
        return TaskDefinition(
            type=zeebe_value(attr(node, "type"), line) or "",
            retries=zeebe_value(attr(node, "retries"), line) or "3",
        )
    # Camunda 7 external tasks name their job type "topic"; that maps one to one.
    topic = camunda7_attr(element, "topic")
    return TaskDefinition(type=topic) if topic else None


def _called_element(element: Element, elements: dict[str, Element]) -> CalledElement | None:
    node = elements.get("calledElement")
    if node is not None:
        return CalledElement(
            process_id=zeebe_value(attr(node, "processId"), line_of(node)) or "",
            propagate_all_child_variables=bool_attr(node, "propagateAllChildVariables", True),
            propagate_all_parent_variables=bool_attr(node, "propagateAllParentVariables", True),
            binding_type=attr(node, "bindingType") or "latest",
            version_tag=attr(node, "versionTag"),
        )
    standard = camunda7_value(attr(element, "calledElement"), line_of(element))
    return CalledElement(process_id=standard) if standard else None


def _script(element: Element, elements: dict[str, Element]) -> ScriptDefinition | None:
    node = elements.get("script")
    if node is not None:
        value = zeebe_value(attr(node, "expression"), line_of(node))
        body = value if isinstance(value, Expression) else Expression(value or "", FEEL)
        return ScriptDefinition(body=body, result_variable=attr(node, "resultVariable"))
    expression = camunda7_attr(element, "expression")
    if expression is not None:
        # A Camunda 7 expression task: the JUEL is evaluated, its value is the result.
        return ScriptDefinition(
            body=Expression(expression.strip(), JUEL, line_of(element)),
            result_variable=camunda7_attr(element, "resultVariable"),
        )
    script = first_bpmn_child(element, "script")
    if script is None or not "".join(str(t) for t in script.itertext()).strip():
        return None
    language = attr(element, "scriptFormat") or FEEL
    text = "".join(str(t) for t in script.itertext()).strip()
    return ScriptDefinition(
        body=Expression(text, language.lower(), line_of(script)),
        result_variable=camunda7_attr(element, "resultVariable"),
    )


def _called_decision(element: Element, elements: dict[str, Element]) -> CalledDecision | None:
    node = elements.get("calledDecision")
    if node is not None:
        return CalledDecision(
            decision_id=zeebe_value(attr(node, "decisionId"), line_of(node)) or "",
            result_variable=attr(node, "resultVariable"),
        )
    decision_ref = camunda7_attr(element, "decisionRef")
    if decision_ref is None:
        return None
    return CalledDecision(
        decision_id=decision_ref, result_variable=camunda7_attr(element, "resultVariable")
    )


def parse_task_extensions(element: Element) -> TaskExtensions:
    """Collect zeebe and Camunda 7 engine data of one activity."""
    elements = zeebe_elements(element)
    io_node = elements.get("ioMapping")
    io_mapping = (
        IoMapping(inputs=_mappings(io_node, "input"), outputs=_mappings(io_node, "output"))
        if io_node is not None
        else camunda7_io_mapping(element)
    )
    headers_node = elements.get("taskHeaders")
    properties_node = elements.get("properties")
    priority_node = elements.get("priorityDefinition")
    priority = (
        zeebe_value(attr(priority_node, "priority"), line_of(priority_node))
        if priority_node is not None
        else camunda7_value(camunda7_attr(element, "priority"), line_of(element))
    )
    async_legacy = camunda7_attr(element, "async") == "true"
    return TaskExtensions(
        task_definition=_task_definition(element, elements),
        io_mapping=io_mapping,
        task_headers=(
            _pairs(headers_node, "header", "key", "value") if headers_node is not None else ()
        ),
        assignment=_zeebe_assignment(elements) or _camunda7_assignment(element),
        schedule=_schedule(element, elements),
        form_key=_form_key(element, elements),
        priority=priority,
        task_priority=camunda7_expression(element, "taskPriority"),
        called_element=_called_element(element, elements),
        script=_script(element, elements),
        called_decision=_called_decision(element, elements),
        properties=(
            _pairs(properties_node, "property", "name", "value")
            if properties_node is not None
            else ()
        ),
        async_before=async_legacy or camunda7_attr(element, "asyncBefore") == "true",
        async_after=camunda7_attr(element, "asyncAfter") == "true",
        camunda7_problems=camunda7_problems(element),
    )
