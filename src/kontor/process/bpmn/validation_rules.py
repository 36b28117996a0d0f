"""Per-node validation rules; each yields (severity, code, message) triples."""

from __future__ import annotations

from collections.abc import Iterator

from kontor.process.bpmn.expressions import FEEL, JUEL
from kontor.process.bpmn.model import (
    Definitions,
    EventDefinition,
    EventKind,
    FlowNode,
    NodeKind,
    Process,
    StandardLoop,
)
from kontor.process.bpmn.multiple_events import multiple_event_rules
from kontor.process.bpmn.support import EVENT_BASED_TARGET_EVENTS
from kontor.process.bpmn.validation_ad_hoc import check_ad_hoc_rules, in_ad_hoc
from kontor.process.bpmn.validation_camunda7 import camunda7_node_rules
from kontor.process.bpmn.validation_compensation import check_compensation_rules
from kontor.process.bpmn.validation_loops import loop_rules

Finding = tuple[str, str, str]

_JOB_TASKS = frozenset({NodeKind.SERVICE_TASK, NodeKind.SEND_TASK})
_CONDITIONAL_GATEWAYS = frozenset(
    {NodeKind.EXCLUSIVE_GATEWAY, NodeKind.INCLUSIVE_GATEWAY, NodeKind.COMPLEX_GATEWAY}
)


def check_node_rules(
    definitions: Definitions, process: Process, node: FlowNode
) -> Iterator[Finding]:
    """All rule findings for one node."""
    yield from _flow_counts(process, node)
    if node.kind in _CONDITIONAL_GATEWAYS:
        yield from _conditional_gateway(process, node)
    elif node.default_flow is not None and not node.kind.is_activity:
        yield (
            "error",
            "default_not_gateway",
            f"default flow '{node.default_flow}' on a {node.kind.value} is not supported",
        )
    if node.kind is NodeKind.EVENT_BASED_GATEWAY:
        yield from _event_based_gateway(process, node)
    if node.kind is NodeKind.BOUNDARY_EVENT:
        yield from _boundary(process, node)
    yield from _event_references(definitions, node)
    yield from multiple_event_rules(process, node)
    yield from camunda7_node_rules(definitions, process, node)
    yield from _activity_configuration(node)
    yield from _data_associations(node)
    yield from loop_rules(node)
    yield from check_compensation_rules(process, node)
    yield from check_ad_hoc_rules(process, node)
    for flow_id in node.outgoing:
        flow = process.flow(flow_id)
        if flow.condition is not None and flow.condition.language not in (FEEL, JUEL):
            yield (
                "warning",
                "non_feel_expression",
                f"condition of '{flow_id}' is {flow.condition.language}, not FEEL; "
                "it runs only with an evaluator for that language",
            )
        if flow.condition is not None and not (node.kind.is_gateway or node.kind.is_activity):
            yield (
                "error",
                "conditional_flow",
                f"conditional sequence flow '{flow_id}' out of a {node.kind.value} "
                "is not supported; use a gateway",
            )


def _flow_counts(process: Process, node: FlowNode) -> Iterator[Finding]:
    kind = node.kind
    container = process.nodes.get(node.container_id)
    in_event_sub_process = container is not None and container.triggered_by_event
    if kind is NodeKind.START_EVENT:
        if node.incoming:
            yield ("error", "start_has_incoming", "start event has incoming sequence flows")
        if not node.outgoing:
            yield ("warning", "start_without_outgoing", "start event has no outgoing flow")
        if (
            container is not None
            and not in_event_sub_process
            and node.event_kind is not EventKind.NONE
        ):
            yield (
                "error",
                "sub_process_start_not_none",
                "start events of an embedded sub-process must be none start events",
            )
    elif kind is NodeKind.END_EVENT:
        if node.outgoing:
            yield ("error", "end_has_outgoing", "end event has outgoing sequence flows")
    elif kind is NodeKind.BOUNDARY_EVENT:
        if node.incoming:
            yield ("error", "boundary_has_incoming", "boundary event has incoming flows")
        if not node.outgoing and node.event_kind is not EventKind.COMPENSATION:
            yield (
                "warning",
                "boundary_without_outgoing",
                "boundary event has no outgoing flow; its token ends there",
            )
    elif kind.is_gateway:
        if not node.incoming:
            yield ("error", "gateway_without_incoming", "gateway has no incoming flow")
        if not node.outgoing:
            yield ("error", "gateway_without_outgoing", "gateway has no outgoing flow")
    elif kind in (NodeKind.INTERMEDIATE_CATCH_EVENT, NodeKind.INTERMEDIATE_THROW_EVENT):
        is_link = node.event_kind is EventKind.LINK
        if not node.incoming and not (is_link and kind is NodeKind.INTERMEDIATE_CATCH_EVENT):
            yield ("error", "event_without_incoming", "intermediate event has no incoming flow")
        if not node.outgoing and not (is_link and kind is NodeKind.INTERMEDIATE_THROW_EVENT):
            yield (
                "warning",
                "event_without_outgoing",
                "intermediate event has no outgoing flow; its token ends there",
            )
    elif kind.is_activity and not node.triggered_by_event and not node.is_for_compensation:
        starts_process = node.instantiate and node.container_id == process.id
        if not node.incoming and not in_ad_hoc(process, node) and not starts_process:
            yield (
                "error",
                "activity_without_incoming",
                "activity has no incoming flow (Kontor needs explicit start events)",
            )
        if node.ad_hoc is None and kind.is_container and not process.start_events(node.id):
            yield ("error", "no_start_event", "sub-process has no start event")
    if node.triggered_by_event:
        starts = process.start_events(node.id)
        if len(starts) != 1:
            yield (
                "error",
                "event_sub_process_start",
                "an event sub-process needs exactly one start event",
            )
        if node.incoming or node.outgoing:
            yield (
                "error",
                "event_sub_process_flows",
                "an event sub-process must not have sequence flows",
            )


def _conditional_gateway(process: Process, node: FlowNode) -> Iterator[Finding]:
    if len(node.outgoing) < 2:
        return
    for flow_id in node.outgoing:
        flow = process.flow(flow_id)
        if flow_id == node.default_flow:
            if flow.condition is not None:
                yield (
                    "warning",
                    "default_with_condition",
                    f"default flow '{flow_id}' has a condition, which is ignored",
                )
        elif flow.condition is None:
            yield (
                "error",
                "missing_condition",
                f"outgoing flow '{flow_id}' has no condition and is not the default flow",
            )


def _event_based_gateway(process: Process, node: FlowNode) -> Iterator[Finding]:
    if not node.outgoing:
        yield ("error", "event_gateway_outgoing", "event-based gateway needs outgoing flows")
    elif len(node.outgoing) == 1:
        # Camunda 7 accepts it: the gateway then waits for its one event.
        yield (
            "warning",
            "event_gateway_outgoing",
            "event-based gateway with one outgoing flow: it waits for that one event",
        )
    for flow_id in node.outgoing:
        target = process.node(process.flow(flow_id).target)
        is_catch = (
            target.kind is NodeKind.INTERMEDIATE_CATCH_EVENT
            and target.event_kind in EVENT_BASED_TARGET_EVENTS
        )
        if not (is_catch or target.kind is NodeKind.RECEIVE_TASK):
            yield (
                "error",
                "event_gateway_target",
                f"event-based gateway leads to '{target.id}' ({target.kind.value}); only "
                "message/timer/signal catch events and receive tasks may follow it",
            )
        elif len(target.incoming) > 1:
            yield (
                "error",
                "event_gateway_target_incoming",
                f"'{target.id}' after an event-based gateway must have one incoming flow",
            )


def _boundary(process: Process, node: FlowNode) -> Iterator[Finding]:
    host = process.nodes.get(node.attached_to or "")
    if host is None or not host.kind.is_activity:
        yield ("error", "boundary_host", "boundary event is not attached to an activity")
    elif host.container_id != node.container_id:
        yield ("error", "boundary_host", "boundary event lies in another scope than its activity")
    if node.event_kind is EventKind.ERROR and not node.cancel_activity:
        yield ("error", "error_boundary_non_interrupting", "error boundary events always interrupt")


def _event_references(definitions: Definitions, node: FlowNode) -> Iterator[Finding]:
    for event in node.event_definitions or (node.event,):
        yield from _definition_references(definitions, node, event)


def _definition_references(
    definitions: Definitions, node: FlowNode, event: EventDefinition
) -> Iterator[Finding]:
    catches = node.kind in (
        NodeKind.START_EVENT,
        NodeKind.INTERMEDIATE_CATCH_EVENT,
        NodeKind.BOUNDARY_EVENT,
    )
    if event.kind is EventKind.MESSAGE and catches:
        message = definitions.messages.get(event.message_ref or "")
        if message is None:
            yield ("error", "message_missing", "message event has no messageRef")
        elif not message.name:
            yield ("error", "message_unnamed", f"message '{message.id}' has no name")
    if node.kind is NodeKind.RECEIVE_TASK:
        message = definitions.messages.get(node.message_ref or "")
        if message is None and node.message_ref is None:
            yield (
                "warning",
                "receive_task_without_message",
                f"receive task has no messageRef; it waits for a message named '{node.id}'",
            )
        elif message is None:
            yield ("error", "message_missing", "receive task has no messageRef")
        elif not message.name:
            yield ("error", "message_unnamed", f"message '{message.id}' has no name")
    if event.kind is EventKind.SIGNAL and catches:
        signal = definitions.signals.get(event.signal_ref or "")
        if signal is None or not (signal.name or signal.id):
            yield ("error", "signal_missing", "signal event has no signalRef")
    if event.kind is EventKind.TIMER and event.timer is None:
        yield ("error", "timer_missing", "timer event has no timeDate, timeDuration or timeCycle")
    if event.kind is EventKind.LINK and not event.link_name:
        yield ("error", "link_unnamed", "link event has no name")
    if event.kind is EventKind.CONDITIONAL:
        yield from _conditional_event(event)


_VARIABLE_EVENTS = frozenset({"create", "update", "delete"})


def _conditional_event(event: EventDefinition) -> Iterator[Finding]:
    condition = event.condition
    if condition is None or not condition.text.strip():
        yield ("error", "condition_missing", "conditional event has no condition")
    elif condition.language not in (FEEL, JUEL):
        yield (
            "warning",
            "non_feel_expression",
            f"condition is {condition.language}, not FEEL; "
            "it runs only with an evaluator for that language",
        )
    unknown = sorted(set(event.variable_events) - _VARIABLE_EVENTS)
    if unknown:
        yield (
            "error",
            "variable_events_unknown",
            f"camunda:variableEvents {', '.join(unknown)} is none of create, update, delete",
        )


_BINDING_TYPES = frozenset({"latest", "deployment", "versionTag"})


def _data_associations(node: FlowNode) -> Iterator[Finding]:
    for association in (*node.data_inputs, *node.data_outputs):
        expressions = [association.transformation, *(a.source for a in association.assignments)]
        for expression in expressions:
            if expression is not None and expression.language not in (FEEL, JUEL):
                yield (
                    "warning",
                    "non_feel_expression",
                    f"data association expression is {expression.language}, not FEEL; "
                    "it runs only with an evaluator for that language",
                )


def _activity_configuration(node: FlowNode) -> Iterator[Finding]:
    ext = node.extensions
    if node.kind in _JOB_TASKS and ext.task_definition is None and ext.script is None:
        yield (
            "warning",
            "no_job_type",
            f"no zeebe:taskDefinition; the job type defaults to '{job_type_fallback(node)}'",
        )
    if (
        ext.script is not None
        and ext.script.body.language not in (FEEL, JUEL)
        and ext.task_definition is None
    ):
        yield (
            "warning",
            "non_feel_expression",
            f"script is {ext.script.body.language}, not FEEL; "
            "it runs only with an evaluator for that language",
        )
    if node.kind is NodeKind.SCRIPT_TASK and ext.script is None and ext.task_definition is None:
        yield ("error", "script_missing", "script task has neither a script nor a job type")
    if node.kind is NodeKind.BUSINESS_RULE_TASK and (
        ext.called_decision is None and ext.task_definition is None
    ):
        yield (
            "warning",
            "no_job_type",
            "business-rule task has no zeebe:calledDecision; "
            f"a job of type '{job_type_fallback(node)}' is created",
        )
    if node.kind is NodeKind.CALL_ACTIVITY and ext.called_element is None:
        yield ("error", "called_element_missing", "call activity names no called process")
    called = ext.called_element
    if called is not None and called.binding_type not in _BINDING_TYPES:
        yield (
            "error",
            "binding_type_unknown",
            f"bindingType '{called.binding_type}' is none of {', '.join(sorted(_BINDING_TYPES))}",
        )
    if called is not None and called.binding_type == "versionTag" and not called.version_tag:
        yield ("error", "version_tag_missing", 'bindingType="versionTag" needs a versionTag')
    loop = node.loop
    if isinstance(loop, StandardLoop) and loop.loop_condition is None and loop.loop_maximum is None:
        yield (
            "error",
            "loop_unbounded",
            "standard loop needs a loopCondition or a loopMaximum",
        )
    multi = node.multi_instance
    if multi is not None and multi.loop_cardinality is None and multi.input_collection is None:
        yield (
            "error",
            "multi_instance_unbounded",
            "multi-instance needs loopCardinality or an input collection",
        )


def job_type_fallback(node: FlowNode) -> str:
    """Job type used for a task without ``zeebe:taskDefinition``."""
    implementation = (node.implementation or "").strip()
    # Only a plain name is a usable job type; "##WebService" or "${...}" are other engines'.
    if implementation and not any(mark in implementation for mark in "#${} "):
        return implementation
    return node.id
