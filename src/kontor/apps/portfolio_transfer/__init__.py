"""Portfolio transfer (Umdeckung): transfer requests, underwriting cases, demo tariff, Easy-BKM.

The statuses are BPMN models shipped with the app and run by the process engine; the tariff and
the Easy-BKM switch are DMN decisions. Wire it with ``register``.
"""

from __future__ import annotations

from dataclasses import dataclass

from kontor.apps.portfolio_transfer.broker_deletion import BrokerSystemDeletion
from kontor.apps.portfolio_transfer.calculator import INPUTS, Calculator, ProductResult
from kontor.apps.portfolio_transfer.errors import (
    ActionNotAllowed,
    InvalidTransferInput,
    NotYourSide,
    TransferNotFound,
)
from kontor.apps.portfolio_transfer.export import PROTOCOL_SHEET, protocol_rows
from kontor.apps.portfolio_transfer.intake import AUTO_REJECT, DEFAULT_VALUES, Intake
from kontor.apps.portfolio_transfer.intake_rules import (
    FIELDS,
    LINES,
    CriteriaSet,
    Criterion,
    DefaultValue,
    IntakeField,
)
from kontor.apps.portfolio_transfer.messages import (
    ActOnTransferRequest,
    AddContractToTransfer,
    InstallPortfolioTransfer,
    RunDueApplications,
    RunDueCalculations,
    SaveCaseInputs,
    TransferStatusChanged,
    UnderwritingCaseStatusChanged,
)
from kontor.apps.portfolio_transfer.moves import Moves
from kontor.apps.portfolio_transfer.notifications import declare_notifications
from kontor.apps.portfolio_transfer.portfolio_adapter import PortfolioAdapter
from kontor.apps.portfolio_transfer.portfolio_port import (
    ContractFacts,
    PortfolioPort,
)
from kontor.apps.portfolio_transfer.runs import (
    SEED_CALCULATION_WINDOW,
    Runs,
    TransferSchedule,
    run_due_work,
)
from kontor.apps.portfolio_transfer.service import (
    ACTIONS,
    BROKER_ACTIONS,
    CASE_ACTIONS,
    EASY_BKM,
    MACHINE_ACTIONS,
    UNDERWRITER_ACTIONS,
    TransferService,
)
from kontor.apps.portfolio_transfer.status_model import (
    ACTION_LABELS,
    StatusModel,
    case_model,
    request_model,
    status_model,
)
from kontor.apps.portfolio_transfer.store import ProtocolEntry, TransferRequest, TransferStore
from kontor.apps.portfolio_transfer.tariff import (
    Calculation,
    DemoTariff,
    Order,
    Quote,
    RatingPort,
    calculate,
)
from kontor.exchange.pipeline import RunWindow
from kontor.messaging import HandlerRegistry
from kontor.rules.deployment import RulesService


@dataclass(frozen=True)
class PortfolioTransfer:
    """The wired app: its service, its runs and its ports."""

    service: TransferService
    runs: Runs
    portfolio: PortfolioPort
    rating: RatingPort
    intake: Intake


def register(
    registry: HandlerRegistry,
    rules: RulesService,
    portfolio: PortfolioPort | None = None,
    rating: RatingPort | None = None,
    window: RunWindow | None = None,
) -> PortfolioTransfer:
    """Register the app's command handlers; return the wired app."""
    portfolio = portfolio or PortfolioAdapter()
    rating = rating or DemoTariff()
    moves = Moves(registry)
    runs = Runs(moves, portfolio, rating, window)
    intake = Intake(moves, portfolio, rules)
    service = TransferService(moves, runs, portfolio, rules, intake)
    registry.register_command(AddContractToTransfer, service.add_contract)
    registry.register_command(ActOnTransferRequest, service.act)
    registry.register_command(InstallPortfolioTransfer, service.install)
    registry.register_command(SaveCaseInputs, service.save_inputs)
    registry.register_command(RunDueCalculations, runs.run_due_calculations)
    registry.register_command(RunDueApplications, runs.run_due_applications)
    return PortfolioTransfer(service, runs, portfolio, rating, intake)


__all__ = [
    "ACTIONS",
    "ACTION_LABELS",
    "AUTO_REJECT",
    "BROKER_ACTIONS",
    "CASE_ACTIONS",
    "DEFAULT_VALUES",
    "EASY_BKM",
    "FIELDS",
    "INPUTS",
    "LINES",
    "MACHINE_ACTIONS",
    "PROTOCOL_SHEET",
    "SEED_CALCULATION_WINDOW",
    "UNDERWRITER_ACTIONS",
    "ActOnTransferRequest",
    "ActionNotAllowed",
    "AddContractToTransfer",
    "BrokerSystemDeletion",
    "Calculation",
    "Calculator",
    "ContractFacts",
    "CriteriaSet",
    "Criterion",
    "DefaultValue",
    "DemoTariff",
    "InstallPortfolioTransfer",
    "Intake",
    "IntakeField",
    "InvalidTransferInput",
    "NotYourSide",
    "Order",
    "PortfolioAdapter",
    "PortfolioPort",
    "PortfolioTransfer",
    "ProductResult",
    "ProtocolEntry",
    "Quote",
    "RatingPort",
    "RunDueApplications",
    "RunDueCalculations",
    "Runs",
    "SaveCaseInputs",
    "StatusModel",
    "TransferNotFound",
    "TransferRequest",
    "TransferSchedule",
    "TransferService",
    "TransferStatusChanged",
    "TransferStore",
    "UnderwritingCaseStatusChanged",
    "calculate",
    "case_model",
    "declare_notifications",
    "protocol_rows",
    "register",
    "request_model",
    "run_due_work",
    "status_model",
]
