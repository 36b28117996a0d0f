"""A forwarded contract's arrival at the insurer: default values, then automatic rejection.

Both are decisions bound to the app's hook points in the insurer's tenant. The underwriter
maintains them in the browser (the app deploys a new version of the table and binds it); an
administrator may deploy and bind other versions through the rules API.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from kontor.apps.portfolio_transfer.errors import NotYourSide
from kontor.apps.portfolio_transfer.intake_rules import (
    CRITERIA_DECISION,
    CRITERIA_MODEL,
    DEFAULTS_DECISION,
    DEFAULTS_MODEL,
    FIELD_BY_NAME,
    OVERWRITE,
    CriteriaSet,
    DefaultValue,
    checked_defaults,
    checked_sets,
    criteria_dmn,
    defaults_dmn,
    number_of,
    read_defaults,
    read_sets,
)
from kontor.apps.portfolio_transfer.moves import Moves
from kontor.apps.portfolio_transfer.portfolio_port import ContractFacts, PortfolioPort
from kontor.apps.portfolio_transfer.store import TransferRequest, TransferStore
from kontor.errors import KontorError
from kontor.messaging import UnitOfWork
from kontor.platform import Principal, TenantKind, TenantStore
from kontor.portfolio import InvalidPortfolioData
from kontor.rules.deployment import HookPoint, RulesService, RuleStore

log = logging.getLogger(__name__)

INTAKE_USER = "portfolio-transfer"
DEFAULT_VALUES = HookPoint(
    "portfolio_transfer.default_values",
    "a forwarded contract arrives: rows (Feld, Wert, Modus leer|immer) fill or overwrite fields",
)
AUTO_REJECT = HookPoint(
    "portfolio_transfer.auto_reject",
    "a forwarded contract arrives: the names of the criteria sets it matches reject it",
)
FACT_OF = {
    "Tarifzone": "tariff_zone", "Wohnflaeche": "living_area", "Versicherungssumme": "sum_insured",
    "Wert1914": "value_1914", "Gefahren": "perils",
}  # fmt: skip
"""The DMN field names of the settable facts."""


def intake_inputs(facts: ContractFacts) -> dict[str, Any]:
    """The decision inputs of a contract (an unknown number is null, not 0)."""

    def given(value: Decimal | None) -> Decimal | None:
        return value if value else None

    return {
        "Sparte": facts.line_of_business,
        "Tarifzone": facts.tariff_zone,
        "Wohnflaeche": given(facts.living_area),
        "Versicherungssumme": given(facts.sum_insured),
        "Wert1914": given(facts.value_1914),
        "Gefahren": facts.perils or None,
        "Vorpraemie": facts.previous_premium,
    }


class Intake:
    """Keeps the insurer's default values and rejection criteria and applies them on arrival."""

    def __init__(self, moves: Moves, portfolio: PortfolioPort, rules: RulesService) -> None:
        self.moves = moves
        self.portfolio = portfolio
        self.rules = rules
        for point in (DEFAULT_VALUES, AUTO_REJECT):
            if point.name not in rules.hook_points:
                rules.hook_points.declare(point)

    # ------------------------------------------------------------ maintained in the browser

    def defaults(self, uow: UnitOfWork, tenant_id: str) -> list[DefaultValue]:
        """The default values bound in the insurer's tenant."""
        require_insurer(uow, tenant_id)
        xml = self._bound_xml(uow, tenant_id, DEFAULT_VALUES)
        return [] if xml is None else read_defaults(xml)

    def criteria_sets(self, uow: UnitOfWork, tenant_id: str) -> list[CriteriaSet]:
        """The rejection criteria sets bound in the insurer's tenant."""
        require_insurer(uow, tenant_id)
        xml = self._bound_xml(uow, tenant_id, AUTO_REJECT)
        return [] if xml is None else read_sets(xml)

    def save_defaults(
        self, uow: UnitOfWork, caller: Principal, defaults: Sequence[DefaultValue]
    ) -> list[DefaultValue]:
        """Deploy the defaults as the next version of their table and bind it (none: unbind)."""
        checked = checked_defaults(defaults)
        xml = defaults_dmn(checked) if checked else None
        self._bind(uow, caller, DEFAULT_VALUES, xml, DEFAULTS_MODEL, DEFAULTS_DECISION)
        return checked

    def save_criteria(
        self, uow: UnitOfWork, caller: Principal, sets: Sequence[CriteriaSet]
    ) -> list[CriteriaSet]:
        """Deploy the criteria sets as the next version of their table and bind it."""
        checked = checked_sets(sets)
        xml = criteria_dmn(checked) if checked else None
        self._bind(uow, caller, AUTO_REJECT, xml, CRITERIA_MODEL, CRITERIA_DECISION)
        return checked

    def _bind(
        self,
        uow: UnitOfWork,
        caller: Principal,
        hook: HookPoint,
        xml: bytes | None,
        model: str,
        decision: str,
    ) -> None:
        tenant_id = caller.tenant_id
        require_insurer(uow, tenant_id)
        app = Principal(
            caller.user_id, tenant_id, permissions=frozenset({"rules:deploy", "rules:bind"})
        )
        store = RuleStore(uow.connection, tenant_id)
        if xml is None:
            if store.find_binding(hook.name) is not None:
                self.rules.unbind(uow, app, hook.name)
            return
        outcome = self.rules.deploy(uow, app, xml, f"{model}.dmn")
        version = outcome.deployment.version
        pinned = None if version == store.latest_version(model) else version
        self.rules.bind(uow, app, hook.name, model, decision, pinned)

    @staticmethod
    def _bound_xml(uow: UnitOfWork, tenant_id: str, hook: HookPoint) -> str | None:
        store = RuleStore(uow.connection, tenant_id)
        binding = store.find_binding(hook.name)
        if binding is None:
            return None
        version = binding.version or store.latest_version(binding.model_key)
        return store.get_deployment(binding.model_key, version).xml

    # ------------------------------------------------------------ on arrival

    def on_arrival(self, uow: UnitOfWork, request: TransferRequest) -> TransferRequest:
        """Apply the default values to the insurer's copy, then the rejection criteria."""
        if request.insurer_contract_id is None:
            return request
        self._apply_defaults(uow, request)
        return self._auto_reject(uow, request)

    def _facts(self, uow: UnitOfWork, request: TransferRequest) -> ContractFacts | None:
        return self.portfolio.facts(
            uow.connection, request.insurer_tenant_id, request.insurer_contract_id or ""
        )

    def _ask(
        self, uow: UnitOfWork, request: TransferRequest, hook: HookPoint, facts: ContractFacts
    ) -> list[Any]:
        """The bound decision's answer as a list (nothing when unbound or broken)."""
        tenant_id = request.insurer_tenant_id
        store = RuleStore(uow.connection, tenant_id)
        binding = store.find_binding(hook.name)
        if binding is None:
            return []
        principal = Principal(INTAKE_USER, tenant_id, permissions=frozenset({"rules:evaluate"}))
        try:
            version = binding.version or store.latest_version(binding.model_key)
            result = self.rules.evaluate(
                uow, principal, binding.model_key, version, binding.decision,
                intake_inputs(facts),
            )  # fmt: skip
        except KontorError as error:  # a broken rule must not lose the broker's request
            log.warning("%s of %s failed: %s", hook.name, tenant_id, error)
            return []
        value = result.value
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]

    def _apply_defaults(self, uow: UnitOfWork, request: TransferRequest) -> None:
        facts = self._facts(uow, request)
        if facts is None:
            return
        store = TransferStore(uow.connection, request.broker_tenant_id)

        def note(text: str, data: dict[str, Any]) -> None:
            store.note(request, uow.clock.now(), None, "default", text, data, broker_sees=False)

        for row in self._ask(uow, request, DEFAULT_VALUES, facts):
            if not isinstance(row, dict):
                continue
            name, value = str(row.get("Feld") or ""), str(row.get("Wert") or "").strip()
            overwrite = row.get("Modus") == OVERWRITE
            fact = FACT_OF.get(name)
            if fact is None or not value:
                continue
            label = FIELD_BY_NAME[name].label
            before = getattr(facts, fact, None)
            if before not in (None, "", Decimal(0), 0) and not overwrite:
                continue
            new = _fact_value(fact, value)
            if new is None:
                note(f"Standardwert {label} = {value!r} nicht anwendbar", {"field": name})
                continue
            try:
                done = self.portfolio.set_facts(
                    uow.connection, request.insurer_tenant_id, request.insurer_contract_id or "",
                    {fact: new}, uow.clock.now(),
                )  # fmt: skip
            except InvalidPortfolioData as error:
                note(f"Standardwert {label} = {value!r} nicht anwendbar: {error.message}",
                     {"field": name})  # fmt: skip
                continue
            if not done:
                continue
            shown = "leer" if before in (None, "", Decimal(0), 0) else str(before)
            how = "überschrieben" if overwrite and shown != "leer" else "vorbelegt"
            note(
                f"Standardwert: {label} {shown} → {value} ({how})",
                {"field": name, "before": None if shown == "leer" else str(before),
                 "after": value, "mode": row.get("Modus")},
            )  # fmt: skip

    def _auto_reject(self, uow: UnitOfWork, request: TransferRequest) -> TransferRequest:
        facts = self._facts(uow, request)
        if facts is None:
            return request
        matched = [str(name) for name in self._ask(uow, request, AUTO_REJECT, facts) if name]
        if not matched:
            return request
        names = ", ".join(f"'{name}'" for name in matched)
        word = "Kriteriensatz" if len(matched) == 1 else "Kriteriensätze"
        remark = f"Automatische Ablehnung: {word} {names}"
        principal = Principal(
            INTAKE_USER, request.insurer_tenant_id, permissions=frozenset({"rules:evaluate"})
        )
        record = self.rules.decide(uow, principal, AUTO_REJECT.name, intake_inputs(facts)).record
        store = TransferStore(uow.connection, request.broker_tenant_id)
        store.note(request, uow.clock.now(), None, "decision", remark,
                   {"decision": record.record_id, "criteria_sets": matched},
                   broker_sees=False)  # fmt: skip
        return self.moves.request(uow, request, "reject", None, remark=remark)


def require_insurer(uow: UnitOfWork, tenant_id: str) -> None:
    """Refuse (403) anyone but an insurer: only it keeps intake rules."""
    if TenantStore(uow.connection).get(tenant_id).kind is not TenantKind.INSURER:
        raise NotYourSide("Nur der Versicherer pflegt Standardwerte und Ablehnungskriterien")


def _fact_value(fact: str, value: str) -> Decimal | int | str | None:
    if fact == "perils":
        return value.upper()
    number = number_of(value)
    if number is None:
        return None
    if fact == "tariff_zone":
        return int(number) if number == number.to_integral_value() and number > 0 else None
    return number
