"""The automatic runs: calculation (getQuote) in the daily window, application (setOrder).

"Die Berechnung … wird alle 5 Minuten automatisch vom System ausgeführt … täglich von 6:00 -
22:00 Uhr"; "Die Beantragung erfolgt nach dem Vergeben der beiden Status automatisch alle 5
Minuten". The commands take the clock's time; ``TransferSchedule`` fires them every 5 minutes.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from sqlalchemy import func, select

from kontor.apps.portfolio_transfer.messages import (
    RUN_BATCH,
    RunDueApplications,
    RunDueCalculations,
)
from kontor.apps.portfolio_transfer.moves import Moves
from kontor.apps.portfolio_transfer.portfolio_port import PortfolioPort
from kontor.apps.portfolio_transfer.store import TransferRequest, TransferStore
from kontor.apps.portfolio_transfer.tables import transfer_requests
from kontor.apps.portfolio_transfer.tariff import Calculation, Quote, RatingPort, calculate
from kontor.exchange.pipeline import RunWindow
from kontor.messaging import MessageBus, UnitOfWork

log = logging.getLogger(__name__)

CALCULATING = "Berechnung ausführen"
APPLYING = "Antragsstellung ausführen"


SEED_CALCULATION_WINDOW = "Mo-So 06:00-22:00"  # "täglich von 6:00 - 22:00 Uhr", Europe/Berlin


class Runs:
    """Calculates and applies underwriting cases through the rating port."""

    def __init__(
        self,
        moves: Moves,
        portfolio: PortfolioPort,
        rating: RatingPort,
        window: RunWindow | None = None,
    ) -> None:
        self.moves = moves
        self.portfolio = portfolio
        self.rating = rating
        self.window = window or RunWindow.parse(SEED_CALCULATION_WINDOW)

    def run_due_calculations(self, command: RunDueCalculations, uow: UnitOfWork) -> int:
        """Calculate the insurer's ``limit`` longest-waiting cases, if within the window."""
        if not self.window.is_open(command.now):
            return 0
        due = TransferStore(uow.connection, command.tenant_id).due_cases(CALCULATING, command.limit)
        for request in due:
            with uow.savepoint():
                self.calculate(uow, request, None)
        return len(due)

    def run_due_applications(self, command: RunDueApplications, uow: UnitOfWork) -> int:
        """Apply for the insurer's ``limit`` longest-waiting cases both sides confirmed."""
        due = TransferStore(uow.connection, command.tenant_id).due_cases(APPLYING, command.limit)
        for request in due:
            with uow.savepoint():
                self.apply(uow, request)
        return len(due)

    def calculate(
        self, uow: UnitOfWork, request: TransferRequest, actor: str | None
    ) -> TransferRequest:
        """getQuote for a case in *Berechnung ausführen*: its calculation or the refusal."""
        store = TransferStore(uow.connection, request.broker_tenant_id)
        facts = self.portfolio.facts(
            uow.connection, request.insurer_tenant_id, request.insurer_contract_id or ""
        )
        result: Calculation | Quote
        if facts is None:
            result = Quote(None, ("Die Vertragsdaten fehlen beim Versicherer",))
        else:
            result = calculate(self.rating, facts, request.condition_override)
        now = uow.clock.now()
        if isinstance(result, Quote):
            messages = list(result.refusals)
            text = "getQuote abgelehnt: " + "; ".join(messages)
            data = {"messages": messages}
            store.note(request, now, actor, "calculation", text, data, broker_sees=False)
            return self.moves.case(uow, request, "quote_refused", actor, provider_messages=messages)
        stored = result.to_json()
        text = (
            f"getQuote: 100 %-Prämie {result.premium_100} EUR, "
            f"Vorvertrag {result.previous_premium or '-'} EUR, "
            f"Kondition {result.condition_percent} %, Prämie {result.premium} EUR"
        )
        store.note(request, now, actor, "calculation", text, stored, broker_sees=False)
        return self.moves.case(
            uow, request, "quote_succeeded", actor, calculation=stored, provider_messages=[]
        )

    def apply(self, uow: UnitOfWork, request: TransferRequest) -> TransferRequest:
        """setOrder for a case in *Antragsstellung ausführen*; on success the request is bound."""
        store = TransferStore(uow.connection, request.broker_tenant_id)
        facts = self.portfolio.facts(
            uow.connection, request.insurer_tenant_id, request.insurer_contract_id or ""
        )
        calculation = _stored(request)
        now = uow.clock.now()
        if facts is None or calculation is None:
            messages = ["Vertragsdaten oder Berechnung fehlen"]
            return self.moves.case(uow, request, "order_refused", None, provider_messages=messages)
        order = self.rating.set_order(facts, calculation, request.request_id)
        if not order.accepted:
            messages = list(order.messages)
            text = "setOrder abgelehnt: " + "; ".join(messages)
            store.note(request, now, None, "order", text, {"messages": messages}, broker_sees=False)
            return self.moves.case(uow, request, "order_refused", None, provider_messages=messages)
        text = f"setOrder: Versicherungsschein {order.policy_number}"
        data = {"policy_number": order.policy_number}
        store.note(request, now, None, "order", text, data, broker_sees=False)
        request = self.moves.case(uow, request, "order_succeeded", None)
        request = self.moves.request(uow, request, "accept", None)
        return self.moves.request(uow, request, "bind", None)


def _stored(request: TransferRequest) -> Calculation | None:
    data = request.calculation
    if not data:
        return None
    return Calculation(
        Decimal(data["premium_100"]), _decimal(data.get("previous_premium")),
        Decimal(data["condition_percent"]), Decimal(data["premium"]), bool(data.get("overridden")),
    )  # fmt: skip


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def due_case_counts(uow: UnitOfWork) -> dict[tuple[str, str], int]:
    """How many cases wait for a run, by insurer tenant and case status."""
    t = transfer_requests.c
    query = (
        select(t.insurer_tenant_id, t.case_status, func.count())
        .where(t.case_status.in_([CALCULATING, APPLYING]))
        .group_by(t.insurer_tenant_id, t.case_status)
    )
    return {(tenant, status): count for tenant, status, count in uow.connection.execute(query)}


def run_due_work(bus: MessageBus, now: dt.datetime, batch: int = RUN_BATCH) -> dict[str, int]:
    """Run the due calculations and applications of every insurer; how many cases each ran.

    Each command takes ``batch`` cases in its own transaction; batches follow until the cases
    that were due when the round began have had their turn.
    """
    with bus.reading() as uow:
        due = due_case_counts(uow)
    ran = {"calculations": 0, "applications": 0}
    for tenant_id in sorted({tenant for tenant, _ in due}):
        for kind, status, command_type in (
            ("calculations", CALCULATING, RunDueCalculations),
            ("applications", APPLYING, RunDueApplications),
        ):
            for _ in range(-(-due.get((tenant_id, status), 0) // batch)):
                count: int = bus.handle(command_type(tenant_id=tenant_id, now=now, limit=batch))
                ran[kind] += count
                if count < batch:
                    break
    return ran


class TransferSchedule:
    """Fires the runs every ``every`` (5 minutes) from a background loop."""

    def __init__(self, bus: MessageBus, every: dt.timedelta = dt.timedelta(minutes=5)) -> None:
        self.bus = bus
        self.every = every
        self._last: dt.datetime | None = None

    def run_if_due(self) -> dict[str, int] | None:
        """Run the due work if ``every`` has passed since the last round."""
        now = self.bus.clock.now()
        if self._last is not None and now - self._last < self.every:
            return None
        self._last = now
        try:
            return run_due_work(self.bus, now)
        except Exception:  # the next round tries again; a loop never dies over one case
            log.exception("portfolio transfer runs failed")
            return None
