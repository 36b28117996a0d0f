"""The app's service layer: adding contracts, the people's actions, installation, Easy-BKM."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib.resources import files

from kontor.apps.portfolio_transfer.calculator import (
    Calculator,
    case_of,
    checked_inputs,
    inputs_of,
)
from kontor.apps.portfolio_transfer.errors import (
    ActionNotAllowed,
    InvalidTransferInput,
    NotYourSide,
)
from kontor.apps.portfolio_transfer.intake import FACT_OF, Intake
from kontor.apps.portfolio_transfer.intake_rules import FIELD_BY_NAME
from kontor.apps.portfolio_transfer.messages import (
    ActOnTransferRequest,
    AddContractToTransfer,
    InstallPortfolioTransfer,
    SaveCaseInputs,
)
from kontor.apps.portfolio_transfer.moves import Moves, case_running
from kontor.apps.portfolio_transfer.portfolio_port import PortfolioPort
from kontor.apps.portfolio_transfer.runs import CALCULATING, Runs
from kontor.apps.portfolio_transfer.status_model import CASE_FILE, REQUEST_FILE, request_model
from kontor.apps.portfolio_transfer.store import TransferRequest, TransferStore
from kontor.errors import KontorError
from kontor.messaging import UnitOfWork
from kontor.platform import Principal, TenantKind, TenantStore
from kontor.rules.deployment import HookPoint, RulesService, RuleStore

log = logging.getLogger(__name__)

APP_USER = "portfolio-transfer"
"""The user the app acts as when it decides or installs by itself."""

EASY_BKM = HookPoint(
    "portfolio_transfer.easy_bkm",
    "a broker added a contract: true forwards it and sets interest by machine (Easy-BKM)",
)
EASY_BKM_MODEL = "portfolio_transfer_easy_bkm"

BROKER_ACTIONS = frozenset(
    {"forward", "withdraw", "delete", "resolve_information", "forward_again",
     "confirm_application", "decline_proposal"}
)  # fmt: skip
UNDERWRITER_ACTIONS = frozenset(
    {"set_interest", "reject", "request_information", "propose", "manual_placement", "close"}
)
MACHINE_ACTIONS = frozenset({"submit_application", "accept", "bind"})
CASE_ACTIONS = frozenset({"calculate", "override_condition"})
"""Underwriter's actions on the underwriting case: the calculator, the condition override."""
ACTIONS = BROKER_ACTIONS | UNDERWRITER_ACTIONS | CASE_ACTIONS


_Handler = Callable[
    [UnitOfWork, TransferRequest, str | None, ActOnTransferRequest | None], TransferRequest | None
]
"""The handler of one action: (unit of work, request, actor, the command if a person acts)."""


class TransferService:
    """Handles the app's commands."""

    def __init__(
        self,
        moves: Moves,
        runs: Runs,
        portfolio: PortfolioPort,
        rules: RulesService,
        intake: Intake | None = None,
    ) -> None:
        self.moves = moves
        self.intake = intake or Intake(moves, portfolio, rules)
        self.calculator = Calculator(portfolio, runs.rating)
        self.runs = runs
        self.portfolio = portfolio
        self.rules = rules
        if EASY_BKM.name not in rules.hook_points:
            rules.hook_points.declare(EASY_BKM)

    # ------------------------------------------------------------ the broker adds

    def add_contract(self, command: AddContractToTransfer, uow: UnitOfWork) -> TransferRequest:
        """Add a broker's contract (*Warte auf Anfrage*); with Easy-BKM forward it at once."""
        insurer = insurer_of(TenantStore(uow.connection), command.tenant_id)
        if insurer is None:
            raise InvalidTransferInput(
                "Nur ein Maklersystem mit Versicherer kann Verträge zur Umdeckung hinzufügen",
                field="tenant",
            )
        facts = self.portfolio.facts(uow.connection, command.tenant_id, command.contract_id)
        if facts is None:
            raise InvalidTransferInput(
                f"Vertrag {command.contract_id!r} nicht gefunden", field="contract_id"
            )
        store = TransferStore(uow.connection, command.tenant_id)
        if store.find_by_contract(command.contract_id) is not None:
            raise ActionNotAllowed(
                f"Vertrag {command.contract_id!r} ist bereits in der Umdeckung",
                field="contract_id", action="add",
            )  # fmt: skip
        request = store.add(
            insurer_tenant_id=insurer, contract_id=command.contract_id,
            label=facts.label, line_of_business=facts.line_of_business,
            status=request_model().initial, now=uow.clock.now(),
        )  # fmt: skip
        self.moves.start_request(uow, request, command.actor)
        decision = self._easy_bkm(uow, request)
        if decision is not None:
            text = "Easy-BKM: maschinell weitergeleitet, Zeichnungsinteresse maschinell gesetzt"
            store.note(request, uow.clock.now(), None, "decision", text, {"decision": decision})
            request = self._forward(uow, request, None, None)
            if request.status == "Abgelehnt":  # the insurer's rejection criteria matched
                return request
            request = self._set_interest(uow, request, None, None)
            request = self.runs.calculate(uow, request, None)
        return request

    def _easy_bkm(self, uow: UnitOfWork, request: TransferRequest) -> str | None:
        """The id of the recorded Easy-BKM decision if it says "on", else None.

        The decision is asked without a record first: a contract that stays with the broker
        must leave no trace in the insurer's tenant. Only an "on" is taken through the hook
        point, which records it with its explanation.
        """
        insurer = request.insurer_tenant_id
        principal = Principal(APP_USER, insurer, permissions=frozenset({"rules:evaluate"}))
        inputs = {"Sparte": request.line_of_business, "Makler": request.broker_tenant_id}
        rules = RuleStore(uow.connection, insurer)
        binding = rules.find_binding(EASY_BKM.name)
        if binding is None:
            return None
        try:
            version = binding.version or rules.latest_version(binding.model_key)
            asked = self.rules.evaluate(
                uow, principal, binding.model_key, version, binding.decision, inputs
            )
            if asked.value is not True:
                return None
            decided = self.rules.decide(uow, principal, EASY_BKM.name, inputs)
        except KontorError as error:  # a broken switch must not lose the broker's contract
            log.warning("Easy-BKM decision of %s failed: %s", insurer, error)
            return None
        return decided.record.record_id if decided.value is True else None

    # ------------------------------------------------------------ actions

    def act(self, command: ActOnTransferRequest, uow: UnitOfWork) -> TransferRequest | None:
        """Do a person's action; 409 naming status and action when the status forbids it."""
        action = command.action
        if action not in ACTIONS:
            raise InvalidTransferInput(f"unbekannte Aktion {action!r}", field="action")
        store = TransferStore(uow.connection, command.tenant_id)
        request = store.get(command.request_id, for_update=True)
        side = request.side_of(command.tenant_id)
        if (action in BROKER_ACTIONS) != (side == "broker"):
            owner = "des Maklers" if action in BROKER_ACTIONS else "des Underwriters"
            raise NotYourSide(f"'{action}' ist eine Aktion {owner}", action=action)
        if action in CASE_ACTIONS:
            return self._on_case(uow, request, command)
        request_model().next_status(request.status, action)  # refuse before any side effect
        handler: _Handler = getattr(self, f"_{action}")
        return handler(uow, request, command.actor, command)

    def _forward(self, uow: UnitOfWork, request: TransferRequest, actor: str | None,
                 command: ActOnTransferRequest | None) -> TransferRequest:  # fmt: skip
        copy_id = self.portfolio.copy(
            uow.connection, request.broker_tenant_id, request.contract_id,
            request.insurer_tenant_id, uow.clock.now(),
        )  # fmt: skip
        request = self.moves.request(
            uow, request, "forward", actor, forwarded=True, insurer_contract_id=copy_id
        )
        return self.intake.on_arrival(uow, request)

    def _withdraw(self, uow: UnitOfWork, request: TransferRequest, actor: str | None,
                  command: ActOnTransferRequest | None) -> TransferRequest:  # fmt: skip
        request = self._end_case(uow, request, actor)
        return self.moves.request(uow, request, "withdraw", actor)

    def _delete(self, uow: UnitOfWork, request: TransferRequest, actor: str | None,
                command: ActOnTransferRequest | None) -> None:  # fmt: skip
        request = self._end_case(uow, request, actor)
        self.moves.request(uow, request, "delete", actor)
        self.portfolio.delete_copies(
            uow.connection, request.broker_tenant_id, request.contract_id, request.insurer_tenant_id
        )
        TransferStore(uow.connection, request.broker_tenant_id).remove(request)

    def _resolve_information(self, uow: UnitOfWork, request: TransferRequest, actor: str | None,
                             command: ActOnTransferRequest | None) -> TransferRequest:  # fmt: skip
        return self._send_again(uow, request, actor, "resolve_information")

    def _forward_again(self, uow: UnitOfWork, request: TransferRequest, actor: str | None,
                       command: ActOnTransferRequest | None) -> TransferRequest:  # fmt: skip
        return self._send_again(uow, request, actor, "forward_again")

    def _send_again(
        self, uow: UnitOfWork, request: TransferRequest, actor: str | None, action: str
    ) -> TransferRequest:
        copy_id = self.portfolio.overwrite_copy(
            uow.connection, request.broker_tenant_id, request.contract_id,
            request.insurer_tenant_id, uow.clock.now(),
        )  # fmt: skip
        request = self.moves.request(uow, request, action, actor, insurer_contract_id=copy_id)
        return self.intake.on_arrival(uow, request)

    def _set_interest(self, uow: UnitOfWork, request: TransferRequest, actor: str | None,
                      command: ActOnTransferRequest | None) -> TransferRequest:  # fmt: skip
        request = self.moves.request(uow, request, "set_interest", actor)
        request = self.moves.start_case(uow, request, actor)
        return self.moves.case(uow, request, "calculate", actor)

    def _reject(self, uow: UnitOfWork, request: TransferRequest, actor: str | None,
                command: ActOnTransferRequest | None) -> TransferRequest:  # fmt: skip
        request = self._end_case(uow, request, actor)
        return self.moves.request(uow, request, "reject", actor)

    def _request_information(self, uow: UnitOfWork, request: TransferRequest, actor: str | None,
                             command: ActOnTransferRequest | None) -> TransferRequest:  # fmt: skip
        remark = ((command and command.remark) or "").strip()
        if not remark:
            raise InvalidTransferInput(
                "Informationsbedarf braucht eine Bemerkung für den Makler", field="remark"
            )
        request = self.moves.request(uow, request, "request_information", actor, remark=remark)
        store = TransferStore(uow.connection, request.broker_tenant_id)
        store.note(request, uow.clock.now(), actor, "remark", f"Bemerkung: {remark}")
        return request

    def _propose(self, uow: UnitOfWork, request: TransferRequest, actor: str | None,
                 command: ActOnTransferRequest | None) -> TransferRequest:  # fmt: skip
        _require_calculated(request, "propose")
        return self.moves.request(uow, request, "propose", actor)

    def _confirm_application(self, uow: UnitOfWork, request: TransferRequest, actor: str | None,
                             command: ActOnTransferRequest | None) -> TransferRequest:  # fmt: skip
        _require_calculated(request, "confirm_application")
        request = self.moves.request(uow, request, "confirm_application", actor)
        request = self.moves.request(uow, request, "submit_application", None)
        return self.moves.case(uow, request, "order", None)

    def _decline_proposal(self, uow: UnitOfWork, request: TransferRequest, actor: str | None,
                          command: ActOnTransferRequest | None) -> TransferRequest:  # fmt: skip
        return self.moves.request(uow, request, "decline_proposal", actor)

    def _manual_placement(self, uow: UnitOfWork, request: TransferRequest, actor: str | None,
                          command: ActOnTransferRequest | None) -> TransferRequest:  # fmt: skip
        request = self._end_case(uow, request, actor)
        return self.moves.request(uow, request, "manual_placement", actor)

    def _close(self, uow: UnitOfWork, request: TransferRequest, actor: str | None,
               command: ActOnTransferRequest | None) -> TransferRequest:  # fmt: skip
        return self.moves.request(uow, request, "close", actor)

    def _on_case(
        self, uow: UnitOfWork, request: TransferRequest, command: ActOnTransferRequest
    ) -> TransferRequest:
        """The tariff calculator and the discount/surcharge override: both calculate at once."""
        values: dict[str, object] = {}
        if command.action == "override_condition":
            if command.condition_percent is None:
                raise InvalidTransferInput(
                    "Die Kondition (Rabatt/Zuschlag in %) fehlt", field="condition_percent"
                )
            values["condition_override"] = command.condition_percent
        if request.case_status != CALCULATING:
            request = self.moves.case(uow, request, "calculate", command.actor, **values)
        elif values:  # waiting for the run: calculate now, with the override
            store = TransferStore(uow.connection, request.broker_tenant_id)
            request = store.change(request, uow.clock.now(), **values)
        return self.runs.calculate(uow, request, command.actor)

    def _end_case(
        self, uow: UnitOfWork, request: TransferRequest, actor: str | None
    ) -> TransferRequest:
        if case_running(request):
            return self.moves.case(uow, request, "abort", actor)
        return request

    # ------------------------------------------------------------ the tariff calculator

    def save_inputs(self, command: SaveCaseInputs, uow: UnitOfWork) -> TransferRequest:
        """*Vorgangsdaten speichern*: overwrite the insurer's copy, protocol it, calculate."""
        request = case_of(uow, command.tenant_id, command.request_id)
        changes = checked_inputs(command.inputs)
        if not changes:
            raise InvalidTransferInput("Es wurden keine Eingaben geändert", field="inputs")
        if not case_running(request):
            raise ActionNotAllowed(
                f"Zeichnungsvorgang '{request.case_status}' ist beendet",
                current_status=request.status, case_status=request.case_status,
                action="save_inputs",
            )  # fmt: skip
        before = inputs_of(self.calculator.facts(uow, request))
        done = self.portfolio.set_facts(
            uow.connection, request.insurer_tenant_id, request.insurer_contract_id or "",
            changes, uow.clock.now(),
        )  # fmt: skip
        store = TransferStore(uow.connection, request.broker_tenant_id)
        for name, fact in FACT_OF.items():
            if fact in done and str(done[fact]) != str(before[name]):
                label = FIELD_BY_NAME[name].label
                store.note(
                    request, uow.clock.now(), command.actor, "case_data",
                    f"Vorgangsdaten gespeichert: {label} {before[name] or 'leer'} → {done[fact]}",
                    {"field": name, "before": before[name], "after": done[fact]},
                    broker_sees=False,
                )  # fmt: skip
        calculate = ActOnTransferRequest(
            tenant_id=command.tenant_id, actor=command.actor, request_id=request.request_id,
            action="calculate",
        )  # fmt: skip
        return self._on_case(uow, request, calculate)

    # ------------------------------------------------------------ installation

    def install(self, command: InstallPortfolioTransfer, uow: UnitOfWork) -> None:
        """Deploy the status models; an insurer also gets the Easy-BKM switch (off) bound."""
        self.moves.deploy(uow, command.tenant_id, REQUEST_FILE)
        self.moves.deploy(uow, command.tenant_id, CASE_FILE)
        if TenantStore(uow.connection).get(command.tenant_id).kind is not TenantKind.INSURER:
            return
        if RuleStore(uow.connection, command.tenant_id).find_binding(EASY_BKM.name) is not None:
            return
        principal = Principal(
            APP_USER, command.tenant_id, permissions=frozenset({"rules:deploy", "rules:bind"})
        )
        xml = (
            files("kontor.apps.portfolio_transfer")
            .joinpath("decisions")
            .joinpath("easy_bkm.dmn")
            .read_bytes()
        )
        self.rules.deploy(uow, principal, xml, "easy_bkm.dmn")
        self.rules.bind(uow, principal, EASY_BKM.name, EASY_BKM_MODEL, "easy_bkm")


def insurer_of(tenants: TenantStore, tenant_id: str) -> str | None:
    """The insurer a broker system hangs under (through its parents: sub-brokers), if any."""
    tenant = tenants.get(tenant_id)
    if tenant.kind is not TenantKind.BROKER:
        return None
    seen = {tenant_id}
    while tenant.parent_tenant_id is not None and tenant.parent_tenant_id not in seen:
        seen.add(tenant.parent_tenant_id)
        tenant = tenants.get(tenant.parent_tenant_id)
        if tenant.kind is TenantKind.INSURER:
            return tenant.tenant_id
    return None


def _require_calculated(request: TransferRequest, action: str) -> None:
    if request.case_status != "Berechnung erfolgreich":
        status = request.case_status or "kein Zeichnungsvorgang"
        raise ActionNotAllowed(
            f"Zeichnungsvorgang '{status}' erlaubt die Aktion '{action}' nicht "
            "(erst nach erfolgreicher Berechnung)",
            current_status=request.status, case_status=status, action=action,
        )  # fmt: skip
