"""Deploy-time rules for loop, multi-instance and token-quantity attributes of activities."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kontor.process.bpmn.model import EventKind, FlowNode, MultiInstance, StandardLoop

_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def loop_rules(node: FlowNode) -> Iterator[tuple[str, str, str]]:
    """Impossible loop and quantity values: (severity, code, message) findings."""
    loop = node.loop
    if isinstance(loop, StandardLoop) and loop.loop_maximum is not None and loop.loop_maximum < 0:
        yield ("error", "loop_maximum_negative", f"loopMaximum {loop.loop_maximum} is negative")
    multi = node.multi_instance
    cardinality = multi.loop_cardinality if multi is not None else None
    if cardinality is not None and _NUMBER.fullmatch(cardinality.text):
        value = float(cardinality.text)
        if value <= 0 or not value.is_integer():
            yield (
                "error",
                "loop_cardinality_invalid",
                f"loopCardinality {cardinality.text} is no positive whole number",
            )
    if multi is not None:
        yield from _behavior_rules(multi)
    for name, quantity in (
        ("startQuantity", node.start_quantity),
        ("completionQuantity", node.completion_quantity),
    ):
        if quantity < 1:
            yield ("error", "quantity_invalid", f"{name} {quantity} must be at least 1")


_BEHAVIORS = ("None", "One", "All", "Complex")
_BEHAVIOR_EVENT_KINDS = frozenset({EventKind.SIGNAL, EventKind.MESSAGE, EventKind.ESCALATION})


def _behavior_rules(multi: MultiInstance) -> Iterator[tuple[str, str, str]]:
    """A multi-instance behaviour that is unknown, throws nothing or throws what cannot be."""
    if multi.behavior not in _BEHAVIORS:
        yield (
            "error",
            "behavior_invalid",
            f"behavior '{multi.behavior}' is none of {', '.join(_BEHAVIORS)}",
        )
    for behavior, event, attribute in (
        ("None", multi.none_behavior_event, "noneBehaviorEventRef"),
        ("One", multi.one_behavior_event, "oneBehaviorEventRef"),
    ):
        if multi.behavior == behavior and event is None:
            yield (
                "warning",
                "behavior_without_event",
                f"behavior {behavior} without {attribute} throws nothing",
            )
    if multi.behavior == "Complex" and not multi.complex_behaviors:
        yield (
            "warning",
            "behavior_without_event",
            "behavior Complex without complexBehaviorDefinition throws nothing",
        )
    events = [multi.none_behavior_event, multi.one_behavior_event]
    events += [event for definition in multi.complex_behaviors for event in definition.events]
    for event in events:
        if event is not None and event.kind not in _BEHAVIOR_EVENT_KINDS:
            yield (
                "error",
                "behavior_event_unsupported",
                f"a {event.kind.value} behaviour event is not supported "
                "(a multi-instance activity throws signals, messages or escalations)",
            )
