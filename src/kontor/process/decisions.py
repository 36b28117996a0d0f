"""Business-rule tasks: ``kontor.decision`` jobs evaluated with the tenant's deployed DMN.

The job's ``decisionId`` header names a decision (or decision service); the newest deployed
version of the newest rule model containing it decides. The result goes to the variable the
``resultVariable`` header names (Camunda 8 requires one; without it the result is dropped).
Nothing is recorded by the rules component: the process history keeps the task and variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kontor.messaging import MessageBus
from kontor.platform import Principal
from kontor.process.runtime import DECISION_JOB_TYPE
from kontor.process.task_handlers import TENANT_HEADER, TaskHandlers
from kontor.rules.deployment import Deployment, RulesService
from kontor.rules.errors import UnknownDecision
from kontor.rules.feel import to_json

ENGINE_USER = "process-engine"
"""The user the engine evaluates decisions as (reading and evaluating rules only)."""


class DecisionNotDeployed(LookupError):
    """No deployed rule model of the tenant has the decision a business-rule task names."""


class DecisionTaskHandler:
    """Evaluates the decision a business-rule task's job names, in the job's tenant."""

    def __init__(self, bus: MessageBus, rules: RulesService) -> None:
        self._bus = bus
        self._rules = rules

    def __call__(self, variables: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        """Evaluate the decision; ``{resultVariable: result}``."""
        decision = headers.get("decisionId", "")
        principal = Principal(
            ENGINE_USER,
            headers[TENANT_HEADER],
            permissions=frozenset({"rules:read", "rules:evaluate"}),
        )
        with self._bus.unit_of_work() as uow:
            for model in _newest_first(self._rules.deployments(uow, principal)):
                try:
                    result = self._rules.evaluate(
                        uow, principal, model.model_key, model.version, decision, variables,
                        strict=True,  # beyond its budget the task fails, it does not go on null
                    )  # fmt: skip
                except UnknownDecision:
                    continue
                target = headers.get("resultVariable")
                return {target: to_json(result.value)} if target else {}
        raise DecisionNotDeployed(f"decision {decision!r} is not deployed")


def register_decision_tasks(handlers: TaskHandlers, bus: MessageBus, rules: RulesService) -> None:
    """Let the job executor run business-rule tasks (unless a handler for them is registered)."""
    if DECISION_JOB_TYPE not in handlers.types():
        handlers.register(DECISION_JOB_TYPE, DecisionTaskHandler(bus, rules))


def _newest_first(deployments: list[Deployment]) -> list[Deployment]:
    latest: dict[str, Deployment] = {}
    for deployment in deployments:
        known = latest.get(deployment.model_key)
        if known is None or deployment.version > known.version:
            latest[deployment.model_key] = deployment
    return sorted(latest.values(), key=lambda d: d.deployed_at, reverse=True)
