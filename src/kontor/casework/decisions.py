"""Asking the decision bound to a casework hook point, and reading its answer safely."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kontor.errors import InvalidInput
from kontor.messaging import UnitOfWork
from kontor.platform import Principal
from kontor.rules.deployment import HookPoint, RulesService, hook_is_bound, read_binding_ahead
from kontor.rules.errors import HookNotBound

DECIDING_USER = "task-system"
"""The user casework asks its decisions as (evaluating rules only)."""


@dataclass(frozen=True)
class HookDecision:
    """A bound decision's answer and what the history records of it (model, output, why)."""

    value: Any
    details: dict[str, Any]

    @property
    def decision(self) -> str:
        """The decision's name."""
        return str(self.details["decision"])


def declare(rules: RulesService, point: HookPoint) -> None:
    """Declare ``point`` unless it already is."""
    if point.name not in rules.hook_points:
        rules.hook_points.declare(point)


def is_bound(uow: UnitOfWork, point: HookPoint, tenant_id: str) -> bool:
    """Whether the tenant bound a decision to ``point`` (looked up once per transaction)."""
    return hook_is_bound(uow, tenant_id, point.name)


def read_bound_ahead(uow: UnitOfWork, point: HookPoint, tenant_id: str) -> None:
    """Ask whether the tenant bound ``point`` with the reads ahead of the messages delivered."""
    read_binding_ahead(uow, tenant_id, point.name)


def ask(
    rules: RulesService, uow: UnitOfWork, point: HookPoint, tenant_id: str, inputs: dict[str, Any]
) -> HookDecision | None:
    """The answer of the decision bound to ``point`` for the tenant; None when none is bound."""
    if not is_bound(uow, point, tenant_id):
        return None
    principal = Principal(DECIDING_USER, tenant_id, permissions=frozenset({"rules:evaluate"}))
    try:
        decided = rules.decide(uow, principal, point.name, inputs)
    except HookNotBound:
        return None
    record = decided.record
    details: dict[str, Any] = {
        "hook": record.hook, "decision": record.decision, "model_key": record.model_key,
        "version": record.version, "decision_record_id": record.record_id,
        "output": record.output, "explanation": record.explanation,
    }  # fmt: skip
    return HookDecision(decided.value, details)


def context_of(value: Any) -> dict[str, Any]:
    """The decision's answer as a context (an empty answer: an empty one)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"the decision answered {value!r}, not a context", field="output")
    return value


def names(value: Any, what: str) -> tuple[str, ...]:
    """A name or a list of names from an answer (nothing: none)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v for v in value if v)
    raise InvalidInput(f"{what} {value!r} is no name or list of names", field=what)


def priority_of(value: Any) -> int | None:
    """A priority 0–100 from an answer (nothing: none)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InvalidInput(f"priority {value!r} is no number", field="priority")
    if value != int(value) or not 0 <= value <= 100:
        raise InvalidInput(f"priority {value} is no whole number within 0..100", field="priority")
    return int(value)


@dataclass(frozen=True)
class FollowUp:
    """A task a decision asks for: its name and, if given, who gets it and how urgent it is."""

    name: str
    assignee: str | None = None
    candidate_groups: tuple[str, ...] = ()
    priority: int | None = None


def follow_ups(value: Any) -> list[FollowUp]:
    """Follow-up tasks from an answer: a name, a context, or a list of either."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    found: list[FollowUp] = []
    for item in items:
        if isinstance(item, str) and item:
            found.append(FollowUp(item))
            continue
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise InvalidInput(f"follow-up {item!r} names no task", field="followUp")
        assignee = names(item.get("assignee"), "assignee")
        found.append(
            FollowUp(
                item["name"], assignee[0] if assignee else None,
                names(item.get("candidateGroups"), "candidateGroups"),
                priority_of(item.get("priority")),
            )
        )  # fmt: skip
    return found
