"""The ``case.status_changed`` hook point: a bound decision says whom to tell and what's next.

The decision gets the case (type, business key, the status it left and the one it reached,
owner, group, data) and answers a context with any of ``notify`` (a user or a list: each is
told) and ``nextStatus`` (a hint at the status to aim for, one the case type allows from here).
The timeline records the decision, its explanation and what it asked for.
"""

from __future__ import annotations

import logging
from typing import Any

from kontor.casework.cases.errors import CaseNotFound
from kontor.casework.cases.store import CaseStore, Timeline
from kontor.casework.cases.types import CaseTypeRegistry
from kontor.casework.decisions import ask, context_of, declare, names
from kontor.contracts.cases import CaseAttentionNeeded, CaseStatusChanged
from kontor.errors import InvalidInput, KontorError
from kontor.messaging import HandlerRegistry, UnitOfWork
from kontor.rules.deployment import HookPoint, RulesService

log = logging.getLogger(__name__)

CASE_STATUS_CHANGED = HookPoint(
    "case.status_changed",
    "a case changed its status: decides whom to notify (notify) and hints at the next (nextStatus)",
)
DECISION = "decision"
"""The timeline kind of a decision taken about the case."""


class CaseStatusRules:
    """Asks the decision bound to ``case.status_changed`` about each status change."""

    def __init__(self, rules: RulesService, case_types: CaseTypeRegistry) -> None:
        self._rules = rules
        self._case_types = case_types
        declare(rules, CASE_STATUS_CHANGED)

    def on_status_changed(self, event: CaseStatusChanged, uow: UnitOfWork) -> None:
        """Record the decision in the case's timeline and tell the users it names."""
        try:
            case = CaseStore(uow.connection, event.tenant_id).get(event.case_id)
        except CaseNotFound:
            return
        inputs: dict[str, Any] = {
            "caseId": case.case_id, "caseType": case.case_type,
            "businessKey": case.business_key, "fromStatus": event.from_status,
            "toStatus": event.to_status, "owner": case.owner, "groupId": case.group_id,
            "data": dict(case.data),
        }  # fmt: skip
        decided = ask(self._rules, uow, CASE_STATUS_CHANGED, event.tenant_id, inputs)
        if decided is None:
            return
        details = dict(decided.details)
        notify: tuple[str, ...] = ()
        try:
            answer = context_of(decided.value)
            asked = names(answer.get("notify"), "notify")
            details["next_status"] = self._hint(case.case_type, event.to_status, answer)
            notify = asked  # only a sound answer is acted on
        except KontorError as error:
            log.warning("case.status_changed decision for %s not used: %s", case.case_id, error)
            details["problem"] = error.message
        details["notify"] = list(notify)
        Timeline(uow.connection, event.tenant_id).append(
            case.case_id, DECISION, None, uow.clock.now(), details
        )
        for user_id in dict.fromkeys(notify):
            uow.emit(
                CaseAttentionNeeded(
                    **event.caused(), case_id=case.case_id, case_type=case.case_type,
                    user_id=user_id, reason=f"Status {event.to_status}: {decided.decision}",
                )
            )  # fmt: skip

    def _hint(self, case_type: str, status: str, answer: dict[str, Any]) -> str | None:
        hint = answer.get("nextStatus")
        if hint is None:
            return None
        if not isinstance(hint, str) or not self._case_types.get(case_type).allows(status, hint):
            raise InvalidInput(
                f"{status} -> {hint} is no transition of {case_type}", field="nextStatus"
            )
        return hint


def register_status_rules(
    registry: HandlerRegistry, rules: RulesService, case_types: CaseTypeRegistry
) -> None:
    """Subscribe the ``case.status_changed`` hook to case status changes."""
    registry.subscribe(
        CaseStatusChanged,
        CaseStatusRules(rules, case_types).on_status_changed,
        "casework.on_case_status_changed",
    )
