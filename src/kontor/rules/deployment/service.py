"""Rule deployment service: deploy models, bind them to hook points, decide through hooks.

Every method takes the caller's ``Principal`` (it checks the permission and scopes the tenant)
and works on the caller's ``UnitOfWork``; the caller commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from kontor.messaging import Change, UnitOfWork
from kontor.platform import Principal
from kontor.rules.deployment.events import DecisionTaken, HookBound, HookUnbound, RulesDeployed
from kontor.rules.deployment.hooks import HookPoint, HookRegistry
from kontor.rules.deployment.models import ModelCache, content_hash, model_key, parse_model
from kontor.rules.deployment.store import DecisionRecord, Deployment, HookBinding, RuleStore
from kontor.rules.dmn import DecisionResult, Definitions, check_model, evaluate_decision
from kontor.rules.dmn.model import Decision, DecisionService
from kontor.rules.errors import HookNotBound, InvalidRuleModel, RuleNotFound, UnknownDecision
from kontor.rules.feel import DEFAULT_LIMITS, EvaluationLimits, to_feel, to_json
from kontor.rules.scenarios import Scenario, ScenarioReport, run_scenarios

READ, DEPLOY, EVALUATE, BIND = "rules:read", "rules:deploy", "rules:evaluate", "rules:bind"


@dataclass(frozen=True)
class DeployOutcome:
    """The deployment a model landed in; ``created`` is False when the content was known."""

    deployment: Deployment
    created: bool


@dataclass(frozen=True)
class HookOverview:
    """A declared hook point and its binding in the caller's tenant, if any."""

    point: HookPoint
    binding: HookBinding | None


@dataclass(frozen=True)
class Decided:
    """A decision taken through a hook: its FEEL value (numbers Decimal) and its record."""

    value: Any
    record: DecisionRecord


def hook_is_bound(uow: UnitOfWork, tenant_id: str, hook: str) -> bool:
    """Whether the tenant bound a decision to ``hook`` (looked up once per transaction; a
    binding made or removed in it is seen)."""
    store = RuleStore(uow.connection, tenant_id)
    return uow.remembered(_bound_key(tenant_id, hook), lambda: store.find_binding(hook) is not None)


def read_binding_ahead(uow: UnitOfWork, tenant_id: str, hook: str) -> None:
    """Read whether ``hook`` is bound with the reads ahead of the messages being delivered."""
    read = RuleStore(uow.connection, tenant_id).binding_read(hook)
    uow.remember_ahead(_bound_key(tenant_id, hook), read, bool)


def _bound_key(tenant_id: str, hook: str) -> tuple[str, str, str]:
    return ("hook_bound", tenant_id, hook)


class RulesService:
    """Deployment, hook binding and decisions of every tenant, with compiled models cached."""

    def __init__(
        self,
        hook_points: HookRegistry,
        cache: ModelCache | None = None,
        limits: EvaluationLimits = DEFAULT_LIMITS,
    ) -> None:
        self.hook_points = hook_points
        self._cache = cache or ModelCache()
        self._limits = limits

    # ------------------------------------------------------------ deployments

    def deploy(
        self, uow: UnitOfWork, principal: Principal, xml: bytes, file_name: str
    ) -> DeployOutcome:
        """Deploy a DMN model as the next version of its key; known content is a no-op."""
        principal.require(DEPLOY)
        model = parse_model(xml, file_name)
        try:
            text = xml.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidRuleModel("DMN models must be UTF-8 encoded", file=file_name) from None
        key, digest = model_key(model), content_hash(xml)
        store = RuleStore(uow.connection, principal.tenant_id)
        existing = store.find_by_content(key, digest)
        if existing is not None:
            return DeployOutcome(existing, created=False)
        deployment = Deployment(
            tenant_id=principal.tenant_id,
            model_key=key,
            version=store.latest_version(key) + 1,
            content_hash=digest,
            file_name=file_name,
            deployed_at=uow.clock.now(),
            deployed_by=principal.user_id,
            warnings=[warning.to_json() for warning in check_model(model)],
            xml=text,
        )
        store.add_deployment(deployment)
        after = {"file_name": file_name, "content_hash": digest}
        uow.record(
            Change("rules.deploy", "rule_deployment", f"{key}:{deployment.version}", after=after),
            principal.tenant_id,
            principal.user_id,
        )
        uow.emit(
            RulesDeployed(
                tenant_id=principal.tenant_id,
                model_key=key,
                version=deployment.version,
                file_name=file_name,
                content_hash=digest,
                warnings=len(deployment.warnings),
            )
        )
        self._cache.invalidate(principal.tenant_id, key)
        return DeployOutcome(deployment, created=True)

    def deployments(
        self, uow: UnitOfWork, principal: Principal, key: str | None = None
    ) -> list[Deployment]:
        """The tenant's deployments (without XML), optionally of one model key."""
        principal.require(READ)
        return RuleStore(uow.connection, principal.tenant_id).list_deployments(key)

    def deployment(
        self, uow: UnitOfWork, principal: Principal, key: str, version: int
    ) -> Deployment:
        """One deployment with its XML."""
        principal.require(READ)
        return RuleStore(uow.connection, principal.tenant_id).get_deployment(key, version)

    def evaluate(
        self,
        uow: UnitOfWork,
        principal: Principal,
        key: str,
        version: int,
        decision: str,
        inputs: Mapping[str, Any],
        *,
        strict: bool = False,
    ) -> DecisionResult:
        """Evaluate a decision of one deployment with explanation (nothing is recorded).

        `strict`: an exceeded evaluation budget raises EvaluationBudgetExceeded instead of
        giving null with a warning (a process wants an incident, not a default).
        """
        principal.require(EVALUATE)
        model = self._model(RuleStore(uow.connection, principal.tenant_id), key, version)
        _require_decision(model, key, decision)
        limits = replace(self._limits, strict=True) if strict else self._limits
        return evaluate_decision(model, decision, inputs, explain=True, limits=limits)

    def run_scenarios(
        self,
        uow: UnitOfWork,
        principal: Principal,
        key: str,
        version: int,
        scenarios: Sequence[Scenario],
    ) -> ScenarioReport:
        """Run test scenarios against one deployment."""
        principal.require(EVALUATE)
        model = self._model(RuleStore(uow.connection, principal.tenant_id), key, version)
        return run_scenarios(model, scenarios)

    # ------------------------------------------------------------ hooks

    def hooks(self, uow: UnitOfWork, principal: Principal) -> list[HookOverview]:
        """Every declared hook point with the tenant's binding."""
        principal.require(READ)
        store = RuleStore(uow.connection, principal.tenant_id)
        bound = {binding.hook: binding for binding in store.list_bindings()}
        return [HookOverview(point, bound.get(point.name)) for point in self.hook_points.all()]

    def bind(
        self,
        uow: UnitOfWork,
        principal: Principal,
        hook: str,
        key: str,
        decision: str,
        version: int | None = None,
    ) -> HookBinding:
        """Let ``hook`` ask ``decision`` of model ``key`` (pinned ``version`` or the latest)."""
        principal.require(BIND)
        self.hook_points.get(hook)
        store = RuleStore(uow.connection, principal.tenant_id)
        model = self._model(store, key, version or self._latest(store, key))
        _require_decision(model, key, decision)
        binding = HookBinding(
            principal.tenant_id, hook, key, decision, version, uow.clock.now(), principal.user_id
        )
        previous = store.find_binding(hook) if uow.records_changes else None
        store.put_binding(binding)
        uow.forget(_bound_key(principal.tenant_id, hook))
        after = {"model_key": key, "decision": decision, "version": version}
        uow.record(
            Change("rules.bind", "hook_binding", hook, _bound_to(previous), after),
            principal.tenant_id,
            principal.user_id,
        )
        uow.emit(
            HookBound(
                tenant_id=principal.tenant_id,
                hook=hook,
                model_key=key,
                decision=decision,
                version=version,
            )
        )
        return binding

    def unbind(self, uow: UnitOfWork, principal: Principal, hook: str) -> None:
        """Remove the decision bound to ``hook``."""
        principal.require(BIND)
        store = RuleStore(uow.connection, principal.tenant_id)
        previous = store.find_binding(hook) if uow.records_changes else None
        if not store.delete_binding(hook):
            raise HookNotBound(f"hook point {hook!r} has no decision bound", hook=hook)
        uow.forget(_bound_key(principal.tenant_id, hook))
        uow.record(
            Change("rules.unbind", "hook_binding", hook, before=_bound_to(previous)),
            principal.tenant_id,
            principal.user_id,
        )
        uow.emit(HookUnbound(tenant_id=principal.tenant_id, hook=hook))

    def decide(
        self, uow: UnitOfWork, principal: Principal, hook: str, inputs: Mapping[str, Any]
    ) -> Decided:
        """Evaluate the decision bound to ``hook`` and record it with its explanation."""
        principal.require(EVALUATE)
        self.hook_points.get(hook)
        store = RuleStore(uow.connection, principal.tenant_id)
        binding = store.find_binding(hook)
        if binding is None:
            raise HookNotBound(f"hook point {hook!r} has no decision bound", hook=hook)
        version = binding.version or self._latest(store, binding.model_key)
        model = self._model(store, binding.model_key, version)
        result = evaluate_decision(
            model, binding.decision, inputs, explain=True, limits=self._limits
        )
        output = to_json(result.value)
        event = DecisionTaken(
            tenant_id=principal.tenant_id,
            record_id=str(uuid.uuid4()),
            hook=hook,
            model_key=binding.model_key,
            version=version,
            decision=binding.decision,
            output=output,
        )
        record = DecisionRecord(
            record_id=event.record_id,
            tenant_id=principal.tenant_id,
            hook=hook,
            model_key=binding.model_key,
            version=version,
            decision=binding.decision,
            # exact: the record keeps money as Decimal (the JSON codec stores it so)
            inputs=to_json(to_feel(dict(inputs)), exact=True),
            output=to_json(result.value, exact=True),
            messages=[str(message) for message in result.messages],
            explanation=result.explanation.to_json(exact=True) if result.explanation else {},
            decided_at=uow.clock.now(),
            correlation_id=event.correlation_id,
        )
        store.add_record(record)
        uow.emit(event)
        return Decided(result.value, record)

    def records(
        self, uow: UnitOfWork, principal: Principal, hook: str | None = None, limit: int = 100
    ) -> list[DecisionRecord]:
        """The tenant's newest decision records, optionally of one hook point."""
        principal.require(READ)
        return RuleStore(uow.connection, principal.tenant_id).list_records(hook, limit)

    # ------------------------------------------------------------ internals

    def _model(self, store: RuleStore, key: str, version: int) -> Definitions:
        def load() -> Definitions:
            deployment = store.get_deployment(key, version)
            return parse_model((deployment.xml or "").encode("utf-8"), deployment.file_name)

        return self._cache.get((store.tenant_id, key, version), load)

    @staticmethod
    def _latest(store: RuleStore, key: str) -> int:
        latest = store.latest_version(key)
        if latest == 0:
            raise RuleNotFound(f"model {key!r} is not deployed", model_key=key)
        return latest


def _bound_to(binding: HookBinding | None) -> dict[str, Any] | None:
    if binding is None:
        return None
    return {
        "model_key": binding.model_key,
        "decision": binding.decision,
        "version": binding.version,
    }


def _require_decision(model: Definitions, key: str, decision: str) -> None:
    if not isinstance(model.find(decision), Decision | DecisionService):
        raise UnknownDecision(
            f"model {key!r} has no decision {decision!r}", model_key=key, decision=decision
        )
