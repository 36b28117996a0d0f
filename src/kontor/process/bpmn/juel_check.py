"""Deploy-time check of JUEL: every ``${...}`` of a process is parsed, mistakes are errors."""

from __future__ import annotations

from collections.abc import Iterator

from kontor.process.bpmn.expressions import JUEL, Expression, StaticOrExpression
from kontor.process.bpmn.model import FlowNode, MultiInstance, NodeKind, Process, StandardLoop
from kontor.process.juel import JuelSyntaxError, compile_template

Labelled = tuple[str, StaticOrExpression | None]


def node_expressions(node: FlowNode) -> Iterator[Labelled]:
    """The expressions of a node, each with the attribute it stands in."""
    ext = node.extensions
    if ext.assignment is not None:
        yield "assignee", ext.assignment.assignee
        yield "candidateGroups", ext.assignment.candidate_groups
        yield "candidateUsers", ext.assignment.candidate_users
    if ext.schedule is not None:
        yield "dueDate", ext.schedule.due_date
        yield "followUpDate", ext.schedule.follow_up_date
    yield "priority", ext.priority
    if ext.called_element is not None:
        yield "calledElement", ext.called_element.process_id
    if ext.called_decision is not None:
        yield "decisionRef", ext.called_decision.decision_id
    if ext.task_definition is not None:
        yield "taskDefinition type", ext.task_definition.type
    if ext.script is not None:
        label = "expression" if node.kind is NodeKind.SERVICE_TASK else "script"
        yield label, ext.script.body
    if ext.io_mapping is not None:
        for mapping in ext.io_mapping.inputs:
            yield f"input parameter '{mapping.target}'", mapping.source
        for mapping in ext.io_mapping.outputs:
            yield f"output parameter '{mapping.target}'", mapping.source
    loop = node.loop
    if isinstance(loop, MultiInstance):
        yield "loopCardinality", loop.loop_cardinality
        yield "collection", loop.input_collection
        yield "completionCondition", loop.completion_condition
    elif isinstance(loop, StandardLoop):
        yield "loopCondition", loop.loop_condition
    yield "activationCondition", node.activation_condition
    if node.ad_hoc is not None:
        yield "completionCondition", node.ad_hoc.completion_condition
    for association in (*node.data_inputs, *node.data_outputs):
        yield "transformation", association.transformation
        for assignment in association.assignments:
            yield f"assignment to '{assignment.target}'", assignment.source
    for definition in node.event_definitions:
        yield "condition", definition.condition
        if definition.timer is not None:
            yield definition.timer.kind.value, definition.timer.value


def juel_errors(process: Process) -> Iterator[tuple[str, int | None, str]]:
    """(element id, line, message) for every JUEL expression that does not parse."""
    for flow in process.flows.values():
        problem = _problem(flow.condition)
        if problem is not None:
            yield flow.id, flow.line, f"conditionExpression: {problem}"
    for node in process.nodes.values():
        for label, value in node_expressions(node):
            problem = _problem(value)
            if problem is not None:
                yield node.id, node.line, f"{label}: {problem}"


def _problem(value: StaticOrExpression | None) -> str | None:
    if not isinstance(value, Expression) or value.language != JUEL:
        return None
    try:
        compile_template(value.text)
    except JuelSyntaxError as error:
        return f"JUEL '{_shorten(value.text)}': {error}"
    return None


def _shorten(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."
