"""Commands the portfolio transfer app handles and the events it emits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from kontor.messaging import Command, Event


class AddContractToTransfer(Command, type_name="portfolio_transfer.add_contract"):
    """The broker adds one of its contracts to the Umdeckung app (*Warte auf Anfrage*)."""

    contract_id: str


class ActOnTransferRequest(Command, type_name="portfolio_transfer.act"):
    """A person's action on a transfer request (``tenant_id`` is the acting side's tenant)."""

    request_id: str
    action: str
    remark: str | None = None
    condition_percent: Decimal | None = None


class SaveCaseInputs(Command, type_name="portfolio_transfer.save_case_inputs"):
    """*Vorgangsdaten speichern*: the calculator's changed inputs onto the insurer's copy."""

    request_id: str
    inputs: dict[str, str]


RUN_BATCH = 250
"""Cases one run command takes in one transaction: a run of thousands is many short
transactions, so people's actions (and SQLite's single writer) never wait long for it."""


class RunDueCalculations(Command, type_name="portfolio_transfer.run_due_calculations"):
    """Calculate the insurer's oldest ``limit`` cases in *Berechnung ausführen* if ``now`` is
    in the window."""

    now: dt.datetime
    limit: int = Field(default=RUN_BATCH, ge=1)


class RunDueApplications(Command, type_name="portfolio_transfer.run_due_applications"):
    """Apply (setOrder) for the insurer's oldest ``limit`` cases waiting in
    *Antragsstellung ausführen*."""

    now: dt.datetime
    limit: int = Field(default=RUN_BATCH, ge=1)


class InstallPortfolioTransfer(Command, type_name="portfolio_transfer.install"):
    """Deploy the app's process models (and, for an insurer, the Easy-BKM switch) in a tenant."""


class TransferStatusChanged(Event, type_name="portfolio_transfer.status_changed"):
    """A transfer request reached a new status (one event per side that sees it)."""

    request_id: str
    label: str
    status: str
    previous_status: str | None = None


class UnderwritingCaseStatusChanged(Event, type_name="portfolio_transfer.case_status_changed"):
    """The underwriting case of a request reached a new technical status (insurer's side)."""

    request_id: str
    label: str
    case_status: str
    previous_case_status: str | None = None
