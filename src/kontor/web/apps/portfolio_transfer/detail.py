"""A transfer request with its contract, risk text in words, calculation and protocol."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from kontor.apps.portfolio_transfer import TransferNotFound, TransferRequest, TransferStore
from kontor.db import reading
from kontor.portfolio import InvalidPortfolioData, decode_risk_text
from kontor.portfolio.tables import contracts
from kontor.web.apps.portfolio_transfer.case_tools import calculator_links
from kontor.web.apps.portfolio_transfer.queries import PROPOSAL_STATUSES, request_rows
from kontor.web.apps.portfolio_transfer.screens import APP, READ
from kontor.web.views import Column, DetailView, Kind, Section, ViewContext

HISTORY = "app:portfolio_transfer:history"
PROTOCOL_EXPORT = "/api/apps/portfolio-transfer/protocol/export"


def request_links(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The submenu of a request's page: its protocol as an Excel sheet, the Tarifrechner."""
    return [("Protokoll als Excel", f"{PROTOCOL_EXPORT}?request_id={item['id']}"),
            *calculator_links(item)]  # fmt: skip


def risk_in_words(details: Mapping[str, Any] | None) -> str | None:
    """The GDV risk text with the perils it names: ``FLS (Feuer, Leitungswasser, Sturm)``."""
    text = str((details or {}).get("risk_text") or "")
    if not text:
        return None
    try:
        perils = decode_risk_text(text)
    except InvalidPortfolioData:
        return text
    return f"{text} ({', '.join(peril.label for peril in perils)})"


def load_request(context: ViewContext, request_id: str) -> Mapping[str, Any] | None:
    """The request as the caller's side sees it; None when the tenant may not see it."""
    me = context.principal.tenant_id
    with reading(context.kontor.engine) as connection:
        try:
            request = TransferStore(connection, me).get(request_id)
        except TransferNotFound:
            return None
        side = request.side_of(me)
        query = request_rows(context, side).subquery()
        row = connection.execute(select(query).where(query.c.id == request_id)).mappings().one()
        details = connection.execute(
            select(contracts.c.details).where(
                contracts.c.tenant_id == me, contracts.c.contract_id == _contract_of(request, side)
            )
        ).scalar_one_or_none()
    item = {**row, "label": request.label, "risk": risk_in_words(details)}
    if side == "insurer":
        item["provider_messages"] = "; ".join(request.provider_messages) or None
    elif request.status not in PROPOSAL_STATUSES:
        item["proposed_premium"] = item["condition"] = None
    return item


def _contract_of(request: TransferRequest, side: str) -> str | None:
    return request.contract_id if side == "broker" else request.insurer_contract_id


def protocol(context: ViewContext, request_id: str) -> Sequence[Mapping[str, Any]]:
    """The request's protocol as the caller's side may see it, oldest first."""
    if not context.principal.has(HISTORY):
        return []
    with reading(context.kontor.engine) as connection:
        entries = TransferStore(connection, context.principal.tenant_id).protocol(request_id)
    return [{"at": e.at, "text": e.text, "actor": e.actor} for e in entries]


REQUEST_VIEW = DetailView(
    name="umdeckungsanfrage",
    path=f"{APP}/request",
    permission=READ,
    title_field="label",
    load=load_request,
    fields=(
        Column("contract", "Vertrag"),
        Column("customer", "Kunde"),
        Column("line", "Sparte"),
        Column("risk", "Risikotext"),
        Column("status", "Status"),
        Column("case_status", "Technischer Status"),
        Column("premium", "Beitrag", Kind.MONEY),
        Column("premium_100", "100 %-Prämie", Kind.MONEY),
        Column("condition", "Kondition (%)", Kind.NUMBER),
        Column("proposed_premium", "Vorgeschlagene Prämie", Kind.MONEY),
        Column("remark", "Bemerkung"),
        Column("provider_messages", "Meldungen des Anbieters"),
        Column("created_at", "Hinzugefügt am", Kind.DATETIME),
    ),
    sections=(
        Section(
            "Protokoll",
            (
                Column("at", "Zeit", Kind.DATETIME),
                Column("text", "Eintrag"),
                Column("actor", "Von", Kind.USER),
            ),
            protocol,
        ),
    ),
    back=("Zur Umdeckung", f"{APP}/requests"),
    not_found="Diese Umdeckungsanfrage gibt es nicht.",
    id_name="request_id",
    links=request_links,
)
"""One transfer request or underwriting case with its protocol (Vorgangsprotokoll)."""
