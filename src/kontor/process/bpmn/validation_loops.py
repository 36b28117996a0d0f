"""Deploy-time rules for loop, multi-instance and token-quantity attributes of activities."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kontor.process.bpmn.model import FlowNode, StandardLoop

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
    for name, quantity in (
        ("startQuantity", node.start_quantity),
        ("completionQuantity", node.completion_quantity),
    ):
        if quantity < 1:
            yield ("error", "quantity_invalid", f"{name} {quantity} must be at least 1")
