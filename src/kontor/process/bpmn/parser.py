"""BPMN 2.0 XML import into the immutable definition model, with positioned errors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from kontor.process.bpmn.errors import (
    BpmnImportError,
    DuplicateIdError,
    NotBpmnError,
    UnknownReferenceError,
)
from kontor.process.bpmn.expressions import zeebe_value
from kontor.process.bpmn.model import (
    Definitions,
    ErrorDefinition,
    Escalation,
    EventDefinition,
    EventKind,
    FlowNode,
    Lane,
    Message,
    MessageFlow,
    MultiInstance,
    NodeKind,
    Process,
    SequenceFlow,
    Signal,
    frozen_mapping,
)
from kontor.process.bpmn.parse_extensions import zeebe_elements
from kontor.process.bpmn.parse_nodes import (
    NODE_TAGS,
    event_definition_refs,
    expression_child,
    parse_event_definition,
    parse_flow_node,
)
from kontor.process.bpmn.xml import (
    BPMN_NS,
    BPMNDI_NS,
    Element,
    attr,
    bool_attr,
    bpmn_children,
    camunda7_attr,
    first_bpmn_child,
    is_bpmn,
    line_of,
    load_xml,
    local_name,
    namespace,
    strip_prefix,
    text_of,
)

_TTL_DAYS = re.compile(r"(\d+)|P(\d+)D", re.IGNORECASE)

# Elements inside a process that carry no execution semantics for Kontor: data stores, artifacts,
# documentation. They are accepted silently rather than reported as unrecognised.
_IGNORED_IN_PROCESS = frozenset(
    {
        "documentation",
        "extensionElements",
        "laneSet",
        "sequenceFlow",
        "ioSpecification",
        "dataStoreReference",
        "textAnnotation",
        "association",
        "group",
        "auditing",
        "monitoring",
        "supports",
        "category",
        "dataStore",
        "resourceRole",
        "performer",
        "humanPerformer",
        "potentialOwner",
        "correlationSubscription",
        # a sub-process element's own attributes-as-children, seen when reading its content
        "incoming",
        "outgoing",
        "multiInstanceLoopCharacteristics",
        "standardLoopCharacteristics",
        "dataInputAssociation",
        "dataOutputAssociation",
        "dataInput",
        "dataOutput",
        "completionCondition",
    }
)


def parse_bpmn(data: bytes | str, source_name: str = "<bpmn>") -> Definitions:
    """Parse BPMN 2.0 XML into ``Definitions``; raises ``BpmnImportError`` with file:line."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    root = load_xml(raw, source_name)
    return _DefinitionsReader(root, source_name).read()


def parse_bpmn_file(path: Path | str) -> Definitions:
    """Read and parse a BPMN file."""
    file_path = Path(path)
    return parse_bpmn(file_path.read_bytes(), source_name=str(file_path))


class _DefinitionsReader:
    """One pass over a ``definitions`` document; collects ids to check references."""

    def __init__(self, root: Element, source_name: str) -> None:
        self.root = root
        self.source_name = source_name
        self.seen_ids: dict[str, int | None] = {}
        self._associations: list[tuple[str, str]] = []
        self._shared_definitions: dict[str, EventDefinition] = {}

    def read(self) -> Definitions:
        root = self.root
        if namespace(root) != BPMN_NS or local_name(root) != "definitions":
            raise NotBpmnError(
                f"root element is '{root.tag}', expected BPMN 2.0 definitions",
                source_name=self.source_name,
                line=line_of(root),
            )
        messages = {m.id: m for m in map(self._message, bpmn_children(root, "message"))}
        signals = {
            (attr(s, "id") or ""): Signal(attr(s, "id") or "", attr(s, "name"))
            for s in bpmn_children(root, "signal")
        }
        errors = {
            (attr(e, "id") or ""): ErrorDefinition(
                attr(e, "id") or "", attr(e, "name"), attr(e, "errorCode")
            )
            for e in bpmn_children(root, "error")
        }
        escalations = {
            (attr(e, "id") or ""): Escalation(
                attr(e, "id") or "", attr(e, "name"), attr(e, "escalationCode")
            )
            for e in bpmn_children(root, "escalation")
        }
        self._read_shared_event_definitions(root)
        processes = {}
        for element in bpmn_children(root, "process"):
            process = self._process(element)
            processes[process.id] = process
        participants, message_flows = self._collaborations(root)
        definitions = Definitions(
            id=attr(root, "id"),
            target_namespace=attr(root, "targetNamespace"),
            processes=frozen_mapping(processes),
            messages=frozen_mapping(messages),
            signals=frozen_mapping(signals),
            errors=frozen_mapping(errors),
            escalations=frozen_mapping(escalations),
            participants=frozen_mapping(participants),
            message_flows=message_flows,
            has_diagram=any(
                namespace(child) == BPMNDI_NS and local_name(child) == "BPMNDiagram"
                for child in root
            ),
            exporter=_exporter(root),
            source_name=self.source_name,
        )
        self._check_root_references(definitions)
        self._check_message_flows(definitions)
        return definitions

    def _collaborations(
        self, root: Element
    ) -> tuple[dict[str, str | None], tuple[MessageFlow, ...]]:
        """The pools (participant → process) and message flows of the file's collaborations."""
        participants: dict[str, str | None] = {}
        flows: list[MessageFlow] = []
        for collaboration in bpmn_children(root, "collaboration"):
            for participant in bpmn_children(collaboration, "participant"):
                process_ref = strip_prefix(attr(participant, "processRef"))
                participants[attr(participant, "id") or ""] = process_ref
            for flow in bpmn_children(collaboration, "messageFlow"):
                message_ref = attr(flow, "messageRef")
                flows.append(
                    MessageFlow(
                        id=attr(flow, "id") or "",
                        source_ref=strip_prefix(attr(flow, "sourceRef")) or "",
                        target_ref=strip_prefix(attr(flow, "targetRef")) or "",
                        message_ref=strip_prefix(message_ref),
                        line=line_of(flow),
                    )
                )
        return participants, tuple(flows)

    def _check_message_flows(self, definitions: Definitions) -> None:
        for flow in definitions.message_flows:
            ends = "pool or flow node"
            checks = [
                (
                    label,
                    ref,
                    ends,
                    ref in definitions.participants or bool(definitions.find_node(ref)),
                )
                for label, ref in (("sourceRef", flow.source_ref), ("targetRef", flow.target_ref))
            ]
            if flow.message_ref is not None:
                known = flow.message_ref in definitions.messages
                checks.append(("messageRef", flow.message_ref, "message", known))
            for label, ref, kind, known in checks:
                if not known:
                    raise UnknownReferenceError(
                        f"message flow '{flow.id}': {label} '{ref}' names no {kind} of this file",
                        source_name=self.source_name,
                        line=flow.line,
                        element_id=flow.id,
                    )

    def _behavior_events(self, node: FlowNode, loop: MultiInstance) -> MultiInstance:
        """The multi-instance characteristics with their behaviour event references resolved."""
        found: dict[str, EventDefinition | None] = {}
        for label, ref in (
            ("noneBehaviorEventRef", loop.none_behavior_event_ref),
            ("oneBehaviorEventRef", loop.one_behavior_event_ref),
        ):
            found[label] = None if ref is None else self._shared_definitions.get(ref)
            if ref is not None and found[label] is None:
                raise UnknownReferenceError(
                    f"{node.kind.value} '{node.id}': {label} '{ref}' names no event definition "
                    "of this file",
                    source_name=self.source_name,
                    line=node.line,
                    element_id=node.id,
                )
        return replace(
            loop,
            none_behavior_event=found["noneBehaviorEventRef"],
            one_behavior_event=found["oneBehaviorEventRef"],
        )

    def _read_shared_event_definitions(self, root: Element) -> None:
        # Event definitions at the root are shared: events name them by eventDefinitionRef.
        for child in bpmn_children(root):
            definition = parse_event_definition(child)
            definition_id = attr(child, "id")
            if definition is not None and definition_id:
                self._register(definition_id, line_of(child))
                self._shared_definitions[definition_id] = definition

    def _flow_node(self, element: Element, kind: NodeKind, container_id: str) -> FlowNode:
        try:
            node = parse_flow_node(element, kind, container_id)
        except BpmnImportError as error:
            raise BpmnImportError(
                error.reason,
                source_name=self.source_name,
                line=error.line,
                element_id=error.element_id,
            ) from error
        if isinstance(node.loop, MultiInstance):
            node = replace(node, loop=self._behavior_events(node, node.loop))
        refs = event_definition_refs(element)
        if not refs:
            return node
        shared = []
        for ref, line in refs:
            definition = self._shared_definitions.get(ref)
            if definition is None:
                raise UnknownReferenceError(
                    f"{kind.value} '{node.id}': eventDefinitionRef '{ref}' names no event "
                    "definition of this file",
                    source_name=self.source_name,
                    line=line,
                    element_id=node.id,
                )
            shared.append(definition)
        return replace(node, event_definitions=(*node.event_definitions, *shared))

    def _message(self, element: Element) -> Message:
        subscription = zeebe_elements(element).get("subscription")
        key = (
            zeebe_value(attr(subscription, "correlationKey"), line_of(subscription))
            if subscription is not None
            else None
        )
        return Message(attr(element, "id") or "", attr(element, "name"), key)

    def _register(self, element_id: str, line: int | None) -> None:
        if element_id in self.seen_ids:
            raise DuplicateIdError(
                f"duplicate id '{element_id}' (first defined on line {self.seen_ids[element_id]})",
                source_name=self.source_name,
                line=line,
                element_id=element_id,
            )
        self.seen_ids[element_id] = line

    def _flow_id(self, flow: Element) -> str:
        base = (
            f"flow_{strip_prefix(attr(flow, 'sourceRef'))}_{strip_prefix(attr(flow, 'targetRef'))}"
        )
        candidate, number = base, 1
        while candidate in self.seen_ids or self.root.xpath("//*[@id=$id]", id=candidate):
            number += 1
            candidate = f"{base}_{number}"
        return candidate

    def _process(self, element: Element) -> Process:
        process_id = attr(element, "id") or ""
        self._register(process_id, line_of(element))
        nodes: dict[str, FlowNode] = {}
        flows: dict[str, SequenceFlow] = {}
        unrecognised: list[tuple[str, str, int | None]] = []
        self._associations = []
        self._data = _DataElements()
        self._read_container(element, process_id, nodes, flows, unrecognised)
        nodes = self._link_flows(nodes, flows)
        handlers = _compensation_handlers(nodes, self._associations)
        lanes: list[Lane] = []
        for lane_set in bpmn_children(element, "laneSet"):
            _collect_lanes(lane_set, lanes)
        return Process(
            id=process_id,
            name=attr(element, "name"),
            is_executable=bool_attr(element, "isExecutable", False),
            nodes=frozen_mapping(nodes),
            flows=frozen_mapping(flows),
            lanes=tuple(lanes),
            line=line_of(element),
            unrecognised=tuple(unrecognised),
            history_ttl_days=self._history_ttl_days(element, process_id),
            version_tag=_version_tag(element),
            compensation_handlers=frozen_mapping(handlers),
            data_names=frozen_mapping(self._data.names()),
            data_objects=frozen_mapping(self._data.declared),
        )

    def _history_ttl_days(self, element: Element, process_id: str) -> int | None:
        # Camunda 7 writes a number of days or an ISO 8601 period of days ("P30D").
        value = camunda7_attr(element, "historyTimeToLive")
        if value is None or not value.strip():
            return None
        match = _TTL_DAYS.fullmatch(value.strip())
        if match is None:
            raise BpmnImportError(
                f"historyTimeToLive '{value}' is neither a number of days nor a period like P30D",
                source_name=self.source_name,
                line=line_of(element),
                element_id=process_id,
            )
        return int(match.group(1) or match.group(2))

    def _read_container(
        self,
        container: Element,
        container_id: str,
        nodes: dict[str, FlowNode],
        flows: dict[str, SequenceFlow],
        unrecognised: list[tuple[str, str, int | None]],
    ) -> None:
        for child in container:
            if not is_bpmn(child):
                continue
            tag = local_name(child)
            child_id = attr(child, "id") or ""
            kind = NODE_TAGS.get(tag)
            if kind is not None:
                self._register(child_id, line_of(child))
                nodes[child_id] = self._flow_node(child, kind, container_id)
                self._data.read_io_specification(child)
                if kind.is_container:
                    self._read_container(child, child_id, nodes, flows, unrecognised)
            elif tag in ("dataObject", "property"):
                initial = _initial(child, self.source_name)
                self._data.declare(container_id, child_id, attr(child, "name"), initial)
            elif tag == "dataObjectReference":
                self._data.refer(child_id, strip_prefix(attr(child, "dataObjectRef")))
            elif tag == "sequenceFlow":
                # Camunda 7 accepts flows without an id; they get one from their ends.
                child_id = child_id or self._flow_id(child)
                self._register(child_id, line_of(child))
                flows[child_id] = SequenceFlow(
                    id=child_id,
                    source=strip_prefix(attr(child, "sourceRef")) or "",
                    target=strip_prefix(attr(child, "targetRef")) or "",
                    container_id=container_id,
                    name=attr(child, "name"),
                    condition=expression_child(child, "conditionExpression"),
                    line=line_of(child),
                )
            elif tag == "association":
                source = strip_prefix(attr(child, "sourceRef")) or ""
                target = strip_prefix(attr(child, "targetRef")) or ""
                self._associations.append((source, target))
            elif tag not in _IGNORED_IN_PROCESS:
                unrecognised.append((tag, child_id, line_of(child)))

    def _link_flows(
        self, nodes: dict[str, FlowNode], flows: dict[str, SequenceFlow]
    ) -> dict[str, FlowNode]:
        # Incoming/outgoing are derived from the flows themselves: exporters disagree on
        # whether they write <incoming>/<outgoing>, the flows' refs are authoritative.
        incoming: dict[str, list[str]] = {node_id: [] for node_id in nodes}
        outgoing: dict[str, list[str]] = {node_id: [] for node_id in nodes}
        for flow in flows.values():
            for end, role in ((flow.source, "sourceRef"), (flow.target, "targetRef")):
                if end not in nodes:
                    raise UnknownReferenceError(
                        f"sequence flow '{flow.id}' has {role} '{end}' which is no flow node",
                        source_name=self.source_name,
                        line=flow.line,
                        element_id=flow.id,
                    )
            outgoing[flow.source].append(flow.id)
            incoming[flow.target].append(flow.id)
        linked = {}
        for node_id, node in nodes.items():
            self._check_node_references(node, nodes, flows)
            linked[node_id] = replace(
                node, incoming=tuple(incoming[node_id]), outgoing=tuple(outgoing[node_id])
            )
        return linked

    def _check_node_references(
        self, node: FlowNode, nodes: dict[str, FlowNode], flows: dict[str, SequenceFlow]
    ) -> None:
        if node.attached_to is not None and node.attached_to not in nodes:
            self._unknown(node, f"attachedToRef '{node.attached_to}' names no activity")
        if node.default_flow is not None:
            flow = flows.get(node.default_flow)
            if flow is None or flow.source != node.id:
                self._unknown(
                    node, f"default flow '{node.default_flow}' is no outgoing flow of this node"
                )

    def _check_root_references(self, definitions: Definitions) -> None:
        for process in definitions.processes.values():
            for node in process.nodes.values():
                refs: list[tuple[str, str | None, Mapping[str, object]]] = [
                    ("messageRef", node.message_ref, definitions.messages)
                ]
                for definition in node.event_definitions:
                    refs.extend(
                        [
                            ("messageRef", definition.message_ref, definitions.messages),
                            ("signalRef", definition.signal_ref, definitions.signals),
                            # An errorRef naming no error is its error code (as in Camunda 7).
                            ("escalationRef", definition.escalation_ref, definitions.escalations),
                        ]
                    )
                for label, ref, known in refs:
                    if ref is not None and ref not in known:
                        self._unknown(node, f"{label} '{ref}' names no element of this file")

    def _unknown(self, node: FlowNode, reason: str) -> None:
        raise UnknownReferenceError(
            f"{node.kind.value} '{node.id}': {reason}",
            source_name=self.source_name,
            line=node.line,
            element_id=node.id,
        )


def _compensation_handlers(
    nodes: Mapping[str, FlowNode], associations: list[tuple[str, str]]
) -> dict[str, str]:
    """Compensation boundary event → handler activity, from associations in either direction."""
    handlers: dict[str, str] = {}
    for source, target in associations:
        for boundary_id, handler_id in ((source, target), (target, source)):
            boundary = nodes.get(boundary_id)
            handler = nodes.get(handler_id)
            if (
                boundary is not None
                and handler is not None
                and boundary.kind is NodeKind.BOUNDARY_EVENT
                and boundary.event_kind is EventKind.COMPENSATION
                and handler.is_for_compensation
            ):
                handlers[boundary_id] = handler_id
    return handlers


def _collect_lanes(lane_set: Element, into: list[Lane]) -> None:
    for lane in bpmn_children(lane_set, "lane"):
        node_ids = tuple((text_of(ref) or "").strip() for ref in bpmn_children(lane, "flowNodeRef"))
        child_ids: list[str] = []
        for child_set in bpmn_children(lane, "childLaneSet"):
            before = len(into)
            _collect_lanes(child_set, into)
            child_ids.extend(child.id for child in into[before:])
        into.append(Lane(attr(lane, "id") or "", attr(lane, "name"), node_ids, tuple(child_ids)))


def _exporter(root: Element) -> str | None:
    exporter = attr(root, "exporter")
    version = attr(root, "exporterVersion")
    if exporter and version:
        return f"{exporter} {version}"
    return exporter


def _version_tag(process: Element) -> str | None:
    # Camunda 8 tags a process version with <zeebe:versionTag value="..."/>; call
    # activities with bindingType="versionTag" pick the version by it.
    tag = zeebe_elements(process).get("versionTag")
    return attr(tag, "value") if tag is not None else None


class _DataElements:
    """The data of one process: declared data objects and properties per scope, references to
    them and the data inputs and outputs of its activities, each resolved to a variable name."""

    def __init__(self) -> None:
        self.declared: dict[str, tuple[tuple[str, object], ...]] = {}
        self._names: dict[str, str] = {}
        self._references: dict[str, str | None] = {}

    def declare(
        self, container_id: str, element_id: str, name: str | None, initial: object
    ) -> None:
        variable = name or element_id
        self._names[element_id] = variable
        self.declared[container_id] = (*self.declared.get(container_id, ()), (variable, initial))

    def refer(self, element_id: str, data_object_id: str | None) -> None:
        self._references[element_id] = data_object_id

    def read_io_specification(self, node: Element) -> None:
        """Name the data inputs and outputs of an activity (in its ioSpecification) or an
        event (its own children)."""
        for holder in (node, *bpmn_children(node, "ioSpecification")):
            for tag in ("dataInput", "dataOutput"):
                for item in bpmn_children(holder, tag):
                    item_id = attr(item, "id") or ""
                    self._names[item_id] = attr(item, "name") or item_id

    def names(self) -> dict[str, str]:
        """Every data element id → its variable (a reference → its data object's)."""
        resolved = dict(self._names)
        for reference, data_object in self._references.items():
            resolved[reference] = self._names.get(data_object or "", reference)
        return resolved


_XSD_NUMBERS = {
    "int": int, "integer": int, "long": int, "short": int,
    "decimal": Decimal, "double": Decimal, "float": Decimal,
}  # fmt: skip


def _initial(element: Element, source_name: str) -> object:
    """A data object's initial value: the text of a ``value`` extension (as Flowable and
    Activiti write it), typed by its ``itemSubjectRef`` (``xsd:int``, ``xsd:boolean``, …)."""
    extensions = first_bpmn_child(element, "extensionElements")
    value = (
        next((child for child in extensions if local_name(child) == "value"), None)
        if extensions is not None
        else None
    )
    text = text_of(value) if value is not None else None
    if text is None:
        return None
    kind = (strip_prefix(attr(element, "itemSubjectRef")) or "string").lower()
    try:
        if kind == "boolean":
            return text.strip().lower() == "true"
        convert = _XSD_NUMBERS.get(kind)
        return convert(text.strip()) if convert is not None else text
    except (ValueError, ArithmeticError):
        raise BpmnImportError(
            f"data object '{attr(element, 'id')}': initial value '{text}' is no {kind}",
            source_name=source_name,
            line=line_of(element),
            element_id=attr(element, "id"),
        ) from None
