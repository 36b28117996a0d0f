"""Events of rule deployment."""

from __future__ import annotations

from typing import Any

from kontor.messaging import Event


class RulesDeployed(Event, type_name="rules.deployed"):
    """A new version of a decision model was deployed."""

    model_key: str
    version: int
    file_name: str
    content_hash: str
    warnings: int


class HookBound(Event, type_name="rules.hook_bound"):
    """A hook point now asks this decision (``version`` None: always the latest)."""

    hook: str
    model_key: str
    decision: str
    version: int | None


class HookUnbound(Event, type_name="rules.hook_unbound"):
    """A hook point no longer has a decision bound to it."""

    hook: str


class DecisionTaken(Event, type_name="rules.decision_taken"):
    """A bound decision answered a hook point; the record holds inputs and explanation."""

    record_id: str
    hook: str
    model_key: str
    version: int
    decision: str
    output: Any
