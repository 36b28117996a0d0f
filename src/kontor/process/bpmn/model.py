"""Immutable, id-indexed definition model of BPMN 2.0 processes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import Any, TypeVar

from kontor.process.bpmn.expressions import Expression, StaticOrExpression
from kontor.process.bpmn.extensions import TaskExtensions

K = TypeVar("K")
V = TypeVar("V")


class NodeKind(StrEnum):
    """Kind of flow node; values are the BPMN XML element names."""

    START_EVENT = "startEvent"
    END_EVENT = "endEvent"
    INTERMEDIATE_CATCH_EVENT = "intermediateCatchEvent"
    INTERMEDIATE_THROW_EVENT = "intermediateThrowEvent"
    BOUNDARY_EVENT = "boundaryEvent"
    TASK = "task"
    USER_TASK = "userTask"
    SERVICE_TASK = "serviceTask"
    SCRIPT_TASK = "scriptTask"
    BUSINESS_RULE_TASK = "businessRuleTask"
    SEND_TASK = "sendTask"
    RECEIVE_TASK = "receiveTask"
    MANUAL_TASK = "manualTask"
    SUB_PROCESS = "subProcess"
    CALL_ACTIVITY = "callActivity"
    TRANSACTION = "transaction"
    AD_HOC_SUB_PROCESS = "adHocSubProcess"
    EXCLUSIVE_GATEWAY = "exclusiveGateway"
    PARALLEL_GATEWAY = "parallelGateway"
    INCLUSIVE_GATEWAY = "inclusiveGateway"
    EVENT_BASED_GATEWAY = "eventBasedGateway"
    COMPLEX_GATEWAY = "complexGateway"

    @property
    def is_event(self) -> bool:
        """Whether the node is an event."""
        return self.value.endswith("Event")

    @property
    def is_gateway(self) -> bool:
        """Whether the node is a gateway."""
        return self.value.endswith("Gateway")

    @property
    def is_activity(self) -> bool:
        """Whether the node is an activity (task, sub-process, call activity)."""
        return not (self.is_event or self.is_gateway)

    @property
    def is_container(self) -> bool:
        """Whether the node holds flow elements of its own."""
        return self in _CONTAINERS


_CONTAINERS = frozenset({NodeKind.SUB_PROCESS, NodeKind.TRANSACTION, NodeKind.AD_HOC_SUB_PROCESS})


class EventKind(StrEnum):
    """Kind of event definition; ``none`` when an event has no definition."""

    NONE = "none"
    MESSAGE = "message"
    TIMER = "timer"
    SIGNAL = "signal"
    ERROR = "error"
    ESCALATION = "escalation"
    TERMINATE = "terminate"
    LINK = "link"
    CONDITIONAL = "conditional"
    COMPENSATION = "compensation"
    CANCEL = "cancel"


class TimerKind(StrEnum):
    """Which timer attribute was given."""

    DATE = "timeDate"
    DURATION = "timeDuration"
    CYCLE = "timeCycle"


@dataclass(frozen=True)
class TimerDefinition:
    """When a timer fires: ISO 8601 text or an expression computing it."""

    kind: TimerKind
    value: StaticOrExpression


@dataclass(frozen=True)
class EventDefinition:
    """One event definition; only the fields matching ``kind`` are set."""

    kind: EventKind
    message_ref: str | None = None
    signal_ref: str | None = None
    error_ref: str | None = None
    escalation_ref: str | None = None
    link_name: str | None = None
    timer: TimerDefinition | None = None
    condition: Expression | None = None
    activity_ref: str | None = None
    wait_for_completion: bool = True
    variable_name: str | None = None
    """Conditional: only changes of this variable evaluate the condition (Camunda 7)."""
    variable_events: tuple[str, ...] = ()
    """Conditional: only these kinds of change (create, update, delete); empty: all."""


NO_EVENT = EventDefinition(EventKind.NONE)


@dataclass(frozen=True)
class MultiInstance:
    """Multi-instance loop characteristics, standard or ``zeebe:loopCharacteristics``."""

    is_sequential: bool = False
    loop_cardinality: Expression | None = None
    input_collection: Expression | None = None
    input_element: str | None = None
    output_collection: str | None = None
    output_element: Expression | None = None
    completion_condition: Expression | None = None
    behavior: str = "All"
    """Which events completing instances throw (§10.3.7): ``None`` (the none behaviour event
    for each), ``One`` (the one behaviour event for the first), ``All`` (none at all) or
    ``Complex`` (those of the complex behaviour definitions whose condition holds)."""
    none_behavior_event_ref: str | None = None
    one_behavior_event_ref: str | None = None
    none_behavior_event: EventDefinition | None = None
    one_behavior_event: EventDefinition | None = None
    """The referenced top-level event definitions, resolved by the importer."""
    complex_behaviors: tuple[ComplexBehavior, ...] = ()


@dataclass(frozen=True)
class ComplexBehavior:
    """A complex behaviour definition: when ``condition`` holds after an instance completed,
    the multi-instance activity throws ``events``."""

    condition: Expression | None
    events: tuple[EventDefinition, ...]


@dataclass(frozen=True)
class StandardLoop:
    """Standard loop characteristics (while/do-while loop)."""

    loop_condition: Expression | None = None
    test_before: bool = False
    loop_maximum: int | None = None


@dataclass(frozen=True)
class AdHoc:
    """Settings of an ad-hoc sub-process (BPMN 2.0 §10.3.5)."""

    ordering: str = "Parallel"
    """``Parallel`` (inner activities run side by side) or ``Sequential`` (one at a time)."""
    completion_condition: Expression | None = None
    cancel_remaining_instances: bool = True

    @property
    def sequential(self) -> bool:
        """Whether only one inner activity may run at a time."""
        return self.ordering == "Sequential"


@dataclass(frozen=True)
class DataAssignment:
    """One assignment of a data association: the value of ``source`` goes to ``target``.

    ``target`` is the target's name or a dotted path into it (``antrag.summe``).
    """

    source: Expression
    target: str


@dataclass(frozen=True)
class DataAssociation:
    """A data input or output association: ids of its sources and target (a data object or
    reference, a property, an activity's data input or output), with an optional
    transformation or assignments."""

    sources: tuple[str, ...]
    target: str | None
    transformation: Expression | None = None
    assignments: tuple[DataAssignment, ...] = ()


@dataclass(frozen=True)
class FlowNode:
    """A flow node; ``container_id`` is the id of the process or sub-process holding it."""

    id: str
    kind: NodeKind
    container_id: str
    name: str | None = None
    line: int | None = None
    incoming: tuple[str, ...] = ()
    outgoing: tuple[str, ...] = ()
    event_definitions: tuple[EventDefinition, ...] = ()
    attached_to: str | None = None
    cancel_activity: bool = True
    is_interrupting: bool = True
    parallel_multiple: bool = False
    default_flow: str | None = None
    triggered_by_event: bool = False
    is_for_compensation: bool = False
    instantiate: bool = False
    """A receive task without incoming flow that starts its process when its message comes."""
    loop: MultiInstance | StandardLoop | None = None
    extensions: TaskExtensions = field(default_factory=TaskExtensions)
    message_ref: str | None = None
    implementation: str | None = None
    data_inputs: tuple[DataAssociation, ...] = ()
    data_outputs: tuple[DataAssociation, ...] = ()
    activation_condition: Expression | None = None
    """Complex gateway: when the join fires (None: once every incoming flow has a token)."""
    ad_hoc: AdHoc | None = None
    start_quantity: int = 1
    completion_quantity: int = 1

    @property
    def event(self) -> EventDefinition:
        """The node's first event definition, or the ``none`` definition."""
        return self.event_definitions[0] if self.event_definitions else NO_EVENT

    @property
    def event_kind(self) -> EventKind:
        """Kind of the node's (first) event definition."""
        return self.event.kind

    @property
    def is_multiple(self) -> bool:
        """Whether the event has several event definitions (multiple / parallel multiple)."""
        return len(self.event_definitions) > 1

    @property
    def waits_for_all(self) -> bool:
        """Whether the event is parallel multiple: it fires once all its definitions arrived."""
        return self.parallel_multiple and self.is_multiple

    @property
    def multi_instance(self) -> MultiInstance | None:
        """The multi-instance characteristics if the node has them."""
        return self.loop if isinstance(self.loop, MultiInstance) else None


@dataclass(frozen=True)
class SequenceFlow:
    """A sequence flow between two nodes of the same container."""

    id: str
    source: str
    target: str
    container_id: str
    name: str | None = None
    condition: Expression | None = None
    line: int | None = None


@dataclass(frozen=True)
class Lane:
    """A lane (display only): the nodes it contains and its nested lanes' ids."""

    id: str
    name: str | None
    node_ids: tuple[str, ...]
    child_lane_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class MessageFlow:
    """A message flow of a collaboration: from a flow node or pool to a flow node or pool."""

    id: str
    source_ref: str
    target_ref: str
    message_ref: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Message:
    """A message and its zeebe correlation key."""

    id: str
    name: str | None
    correlation_key: StaticOrExpression | None = None


@dataclass(frozen=True)
class Signal:
    """A signal, broadcast by name."""

    id: str
    name: str | None


@dataclass(frozen=True)
class ErrorDefinition:
    """A BPMN error, matched by ``error_code``."""

    id: str
    name: str | None
    error_code: str | None


@dataclass(frozen=True)
class Escalation:
    """A BPMN escalation, matched by ``escalation_code``."""

    id: str
    name: str | None
    escalation_code: str | None


def frozen_mapping(items: Mapping[K, V] | None = None) -> Mapping[K, V]:
    """Return a read-only copy of ``items``."""
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True)
class Process:
    """An executable or descriptive process: all nodes and flows, including nested ones."""

    id: str
    name: str | None
    is_executable: bool
    nodes: Mapping[str, FlowNode]
    flows: Mapping[str, SequenceFlow]
    lanes: tuple[Lane, ...] = ()
    line: int | None = None
    unrecognised: tuple[tuple[str, str, int | None], ...] = ()
    history_ttl_days: int | None = None
    version_tag: str | None = None
    compensation_handlers: Mapping[str, str] = field(default_factory=frozen_mapping)
    """Compensation boundary event id → the handler activity its association names."""
    data_names: Mapping[str, str] = field(default_factory=frozen_mapping)
    """Id of a data object, data object reference, property, data input or output → the
    variable that holds it (its name, else its id)."""
    data_objects: Mapping[str, tuple[tuple[str, Any], ...]] = field(default_factory=frozen_mapping)
    """Process or sub-process id → (variable, initial value) of the data objects and properties
    it declares (they exist while the scope runs; null when no initial value is given)."""

    def node(self, node_id: str) -> FlowNode:
        """Return the node with ``node_id`` (KeyError if absent)."""
        return self.nodes[node_id]

    def flow(self, flow_id: str) -> SequenceFlow:
        """Return the sequence flow with ``flow_id`` (KeyError if absent)."""
        return self.flows[flow_id]

    @cached_property
    def _children_index(self) -> dict[str, tuple[FlowNode, ...]]:
        # Built once per process on first use; the runtime asks these questions per step.
        index: dict[str, list[FlowNode]] = {}
        for node in self.nodes.values():
            index.setdefault(node.container_id, []).append(node)
        return {key: tuple(value) for key, value in index.items()}

    @cached_property
    def _boundary_index(self) -> dict[str, tuple[FlowNode, ...]]:
        index: dict[str, list[FlowNode]] = {}
        for node in self.nodes.values():
            if node.attached_to is not None:
                index.setdefault(node.attached_to, []).append(node)
        return {key: tuple(value) for key, value in index.items()}

    def children(self, container_id: str) -> Iterator[FlowNode]:
        """Nodes directly inside the process or sub-process ``container_id``."""
        return iter(self._children_index.get(container_id, ()))

    def instantiating_receive_tasks(self) -> list[FlowNode]:
        """Receive tasks with ``instantiate="true"``: their message starts the process."""
        return [
            node
            for node in self.children(self.id)
            if node.kind is NodeKind.RECEIVE_TASK and node.instantiate and not node.incoming
        ]

    def start_events(self, container_id: str | None = None) -> list[FlowNode]:
        """Start events directly inside ``container_id`` (default: the process)."""
        container = container_id or self.id
        return [node for node in self.children(container) if node.kind is NodeKind.START_EVENT]

    def boundary_events(self, activity_id: str) -> list[FlowNode]:
        """Boundary events attached to ``activity_id``."""
        return list(self._boundary_index.get(activity_id, ()))

    @cached_property
    def has_compensation(self) -> bool:
        """Whether any activity can be compensated (else the runtime skips all bookkeeping)."""
        return bool(self.compensation_handlers) or any(
            node.event_kind is EventKind.COMPENSATION for node in self.nodes.values()
        )

    @cached_property
    def has_conditional_events(self) -> bool:
        """Whether any event waits for a condition (else the runtime tracks no variable changes)."""
        return any(
            definition.kind is EventKind.CONDITIONAL
            for node in self.nodes.values()
            for definition in node.event_definitions or (node.event,)
        )

    def event_sub_processes(self, container_id: str) -> list[FlowNode]:
        """Event sub-processes directly inside ``container_id``."""
        return [
            node
            for node in self.children(container_id)
            if node.kind is NodeKind.SUB_PROCESS and node.triggered_by_event
        ]


@dataclass(frozen=True)
class Definitions:
    """A parsed BPMN file: its processes and the root elements they refer to."""

    id: str | None
    target_namespace: str | None
    processes: Mapping[str, Process]
    messages: Mapping[str, Message] = field(default_factory=frozen_mapping)
    signals: Mapping[str, Signal] = field(default_factory=frozen_mapping)
    errors: Mapping[str, ErrorDefinition] = field(default_factory=frozen_mapping)
    escalations: Mapping[str, Escalation] = field(default_factory=frozen_mapping)
    participants: Mapping[str, str | None] = field(default_factory=frozen_mapping)
    """Pools of the collaborations: participant id → id of its process (None: a black box)."""
    message_flows: tuple[MessageFlow, ...] = ()
    has_diagram: bool = False
    exporter: str | None = None
    source_name: str | None = None

    def process(self, process_id: str) -> Process:
        """Return the process with ``process_id`` (KeyError if absent)."""
        return self.processes[process_id]

    def find_node(self, node_id: str) -> FlowNode | None:
        """Find a flow node by id across all processes."""
        for process in self.processes.values():
            if node_id in process.nodes:
                return process.nodes[node_id]
        return None
