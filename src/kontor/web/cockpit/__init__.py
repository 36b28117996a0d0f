"""The process cockpit in the browser: definitions, diagrams with tokens, instances, incidents."""

from __future__ import annotations

from kontor.web.cockpit.instances import INSTANCE_LIST
from kontor.web.cockpit.pages import router
from kontor.web.registry import WebRegistry


def declare(registry: WebRegistry) -> None:
    """Declare the cockpit's instance list."""
    registry.add_table(INSTANCE_LIST)


__all__ = ["INSTANCE_LIST", "declare", "router"]
