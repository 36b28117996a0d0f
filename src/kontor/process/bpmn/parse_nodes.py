"""Reading one BPMN flow-node element (events, loops, data associations) into a ``FlowNode``."""

from __future__ import annotations

from dataclasses import replace

from kontor.process.bpmn.errors import BpmnImportError
from kontor.process.bpmn.expressions import (
    Expression,
    camunda7_value,
    formal_expression,
    zeebe_value,
)
from kontor.process.bpmn.model import (
    AdHoc,
    ComplexBehavior,
    DataAssignment,
    DataAssociation,
    EventDefinition,
    EventKind,
    FlowNode,
    MultiInstance,
    NodeKind,
    StandardLoop,
    TimerDefinition,
    TimerKind,
)
from kontor.process.bpmn.parse_extensions import parse_task_extensions, zeebe_elements
from kontor.process.bpmn.xml import (
    Element,
    attr,
    bool_attr,
    bpmn_children,
    camunda7_attr,
    first_bpmn_child,
    line_of,
    local_name,
    strip_prefix,
    text_of,
)

NODE_TAGS: dict[str, NodeKind] = {kind.value: kind for kind in NodeKind}

_EVENT_DEFINITION_TAGS: dict[str, EventKind] = {
    "messageEventDefinition": EventKind.MESSAGE,
    "timerEventDefinition": EventKind.TIMER,
    "signalEventDefinition": EventKind.SIGNAL,
    "errorEventDefinition": EventKind.ERROR,
    "escalationEventDefinition": EventKind.ESCALATION,
    "terminateEventDefinition": EventKind.TERMINATE,
    "linkEventDefinition": EventKind.LINK,
    "conditionalEventDefinition": EventKind.CONDITIONAL,
    "compensateEventDefinition": EventKind.COMPENSATION,
    "cancelEventDefinition": EventKind.CANCEL,
}


def expression_child(element: Element, tag: str) -> Expression | None:
    """Read a tFormalExpression child such as ``conditionExpression``."""
    child = first_bpmn_child(element, tag)
    if child is None:
        return None
    return formal_expression(text_of(child), attr(child, "language"), line_of(child))


def _timer(definition: Element) -> TimerDefinition | None:
    for kind in TimerKind:
        child = first_bpmn_child(definition, kind.value)
        text = text_of(child)
        if child is not None and text is not None:
            value = zeebe_value(text.strip(), line_of(child)) or ""
            if isinstance(value, str):  # Camunda 7: "${duration}" is JUEL
                value = camunda7_value(value, line_of(child)) or ""
            return TimerDefinition(kind=kind, value=value)
    return None


def parse_event_definition(element: Element) -> EventDefinition | None:
    """Read one ``*EventDefinition`` child; None if the element is something else."""
    kind = _EVENT_DEFINITION_TAGS.get(local_name(element))
    if kind is None:
        return None
    condition_holder = first_bpmn_child(element, "condition")
    condition = (
        formal_expression(
            text_of(condition_holder),
            attr(condition_holder, "language"),
            line_of(condition_holder),
        )
        if condition_holder is not None
        else None
    )
    return EventDefinition(
        kind=kind,
        message_ref=strip_prefix(attr(element, "messageRef")),
        signal_ref=strip_prefix(attr(element, "signalRef")),
        error_ref=strip_prefix(attr(element, "errorRef")),
        escalation_ref=strip_prefix(attr(element, "escalationRef")),
        link_name=attr(element, "name") if kind is EventKind.LINK else None,
        timer=_timer(element) if kind is EventKind.TIMER else None,
        condition=condition,
        activity_ref=strip_prefix(attr(element, "activityRef")),
        wait_for_completion=bool_attr(element, "waitForCompletion", True),
        variable_name=camunda7_attr(element, "variableName"),
        variable_events=_variable_events(camunda7_attr(element, "variableEvents")),
    )


def _variable_events(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def _multi_instance(element: Element) -> MultiInstance:
    complex_behaviors = tuple(
        ComplexBehavior(
            condition=expression_child(definition, "condition"),
            events=tuple(
                found
                for event in bpmn_children(definition, "event")
                for child in event
                if (found := parse_event_definition(child)) is not None
            ),
        )
        for definition in bpmn_children(element, "complexBehaviorDefinition")
    )
    return replace(
        _collections(element),
        behavior=attr(element, "behavior") or "All",
        none_behavior_event_ref=strip_prefix(attr(element, "noneBehaviorEventRef")),
        one_behavior_event_ref=strip_prefix(attr(element, "oneBehaviorEventRef")),
        complex_behaviors=complex_behaviors,
    )


def _collections(element: Element) -> MultiInstance:
    zeebe_loop = zeebe_elements(element).get("loopCharacteristics")
    cardinality = expression_child(element, "loopCardinality")
    completion = expression_child(element, "completionCondition")
    if zeebe_loop is not None:
        line = line_of(zeebe_loop)
        collection = zeebe_value(attr(zeebe_loop, "inputCollection"), line)
        output_element = zeebe_value(attr(zeebe_loop, "outputElement"), line)
        return MultiInstance(
            is_sequential=bool_attr(element, "isSequential", False),
            loop_cardinality=cardinality,
            input_collection=_as_expression(collection),
            input_element=attr(zeebe_loop, "inputElement"),
            output_collection=attr(zeebe_loop, "outputCollection"),
            output_element=_as_expression(output_element),
            completion_condition=completion,
        )
    # Standard form: data references name the collection variables directly.
    input_ref = text_of(first_bpmn_child(element, "loopDataInputRef"))
    output_ref = text_of(first_bpmn_child(element, "loopDataOutputRef"))
    input_item = first_bpmn_child(element, "inputDataItem")
    output_item = first_bpmn_child(element, "outputDataItem")
    # Camunda 7 names the collection (a variable or JUEL) and the element variable itself.
    camunda_collection = camunda7_value(camunda7_attr(element, "collection"), line_of(element))
    input_collection = (
        _as_expression(camunda_collection)
        if camunda_collection
        else Expression(input_ref.strip())
        if input_ref
        else None
    )
    return MultiInstance(
        is_sequential=bool_attr(element, "isSequential", False),
        loop_cardinality=cardinality,
        input_collection=input_collection,
        input_element=camunda7_attr(element, "elementVariable") or _data_item_name(input_item),
        output_collection=output_ref.strip() if output_ref else None,
        output_element=(
            Expression(name) if (name := _data_item_name(output_item)) is not None else None
        ),
        completion_condition=completion,
    )


def _as_expression(value: str | Expression | None) -> Expression | None:
    if value is None or isinstance(value, Expression):
        return value
    # A static collection name in zeebe is a variable reference, i.e. a FEEL path.
    return Expression(value)


def _data_item_name(item: Element | None) -> str | None:
    if item is None:
        return None
    return attr(item, "name") or attr(item, "id")


def _integer_attr(element: Element, name: str, owner_id: str) -> int | None:
    text = attr(element, name)
    if text is None or not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise BpmnImportError(
            f"{name} '{text}' is no whole number", line=line_of(element), element_id=owner_id
        ) from None


def _standard_loop(element: Element, owner_id: str) -> StandardLoop:
    return StandardLoop(
        loop_condition=expression_child(element, "loopCondition"),
        test_before=bool_attr(element, "testBefore", False),
        loop_maximum=_integer_attr(element, "loopMaximum", owner_id),
    )


def _loop(element: Element, owner_id: str) -> MultiInstance | StandardLoop | None:
    multi = first_bpmn_child(element, "multiInstanceLoopCharacteristics")
    if multi is not None:
        return _multi_instance(multi)
    standard = first_bpmn_child(element, "standardLoopCharacteristics")
    return _standard_loop(standard, owner_id) if standard is not None else None


def _associations(element: Element, tag: str) -> tuple[DataAssociation, ...]:
    result = []
    for association in bpmn_children(element, tag):
        sources = tuple(
            (text_of(source) or "").strip() for source in bpmn_children(association, "sourceRef")
        )
        target = text_of(first_bpmn_child(association, "targetRef"))
        result.append(
            DataAssociation(
                sources=sources,
                target=target.strip() if target else None,
                transformation=expression_child(association, "transformation"),
                assignments=tuple(
                    DataAssignment(source, (text_of(to) or "").strip().removeprefix("="))
                    for assignment in bpmn_children(association, "assignment")
                    if (source := expression_child(assignment, "from")) is not None
                    and (to := first_bpmn_child(assignment, "to")) is not None
                ),
            )
        )
    return tuple(result)


def _ad_hoc(element: Element) -> AdHoc:
    return AdHoc(
        ordering=attr(element, "ordering") or "Parallel",
        completion_condition=expression_child(element, "completionCondition"),
        cancel_remaining_instances=bool_attr(element, "cancelRemainingInstances", True),
    )


def parse_flow_node(element: Element, kind: NodeKind, container_id: str) -> FlowNode:
    """Build the ``FlowNode`` for a BPMN element already known to be of ``kind``."""
    node_id = attr(element, "id") or ""
    definitions = tuple(
        definition
        for child in bpmn_children(element)
        if (definition := parse_event_definition(child)) is not None
    )
    message_ref = strip_prefix(attr(element, "messageRef"))
    return FlowNode(
        id=node_id,
        kind=kind,
        container_id=container_id,
        name=attr(element, "name"),
        line=line_of(element),
        event_definitions=definitions,
        attached_to=strip_prefix(attr(element, "attachedToRef")),
        cancel_activity=bool_attr(element, "cancelActivity", True),
        is_interrupting=bool_attr(element, "isInterrupting", True),
        parallel_multiple=bool_attr(element, "parallelMultiple", False),
        default_flow=strip_prefix(attr(element, "default")),
        triggered_by_event=bool_attr(element, "triggeredByEvent", False),
        is_for_compensation=bool_attr(element, "isForCompensation", False),
        instantiate=kind is NodeKind.RECEIVE_TASK and bool_attr(element, "instantiate", False),
        loop=_loop(element, node_id) if kind.is_activity else None,
        # Events carry io mappings (zeebe) and async flags (Camunda 7) too.
        extensions=parse_task_extensions(element),
        message_ref=message_ref,
        implementation=attr(element, "implementation"),
        data_inputs=_associations(element, "dataInputAssociation"),
        data_outputs=_associations(element, "dataOutputAssociation"),
        activation_condition=(
            expression_child(element, "activationCondition")
            if kind is NodeKind.COMPLEX_GATEWAY
            else None
        ),
        ad_hoc=_ad_hoc(element) if kind is NodeKind.AD_HOC_SUB_PROCESS else None,
        start_quantity=_quantity(element, "startQuantity", node_id) if kind.is_activity else 1,
        completion_quantity=(
            _quantity(element, "completionQuantity", node_id) if kind.is_activity else 1
        ),
    )


def _quantity(element: Element, name: str, node_id: str) -> int:
    value = _integer_attr(element, name, node_id)
    return 1 if value is None else value


def event_definition_refs(element: Element) -> list[tuple[str, int | None]]:
    """The ids an event's ``eventDefinitionRef`` children name, with their lines."""
    return [
        (strip_prefix((text_of(ref) or "").strip()) or "", line_of(ref))
        for ref in bpmn_children(element, "eventDefinitionRef")
    ]
