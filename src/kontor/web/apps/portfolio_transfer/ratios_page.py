"""Schadenquoten: the broker's claims ratios with *Übertragen*, and the insurer's list of what
its brokers transferred, grouped per broker."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import ColumnElement, Select, case, select

from kontor.api.wiring import kontor_of
from kontor.apps.portfolio_transfer.ratios import SCOPE_WORDS, received_ratios, transfer_ratios
from kontor.errors import KontorError
from kontor.platform import Principal
from kontor.portfolio import LINES_OF_BUSINESS
from kontor.portfolio.tables import claims_ratios
from kontor.web.apps.portfolio_transfer.screens import APP, READ, SAVE
from kontor.web.messages import german_error
from kontor.web.security import page_requires
from kontor.web.templating import render
from kontor.web.views import Action, Column, Kind, TableView, ViewContext

RECEIVED_PATH = f"{APP}/claims-ratios/received"
LINE_CODES = {code: word for code, (_, word) in LINES_OF_BUSINESS.items()}
router = APIRouter(include_in_schema=False)
NEEDS_READ = page_requires(READ)


def _subject() -> ColumnElement[Any]:
    r = claims_ratios.c
    subject: ColumnElement[Any] = case(
        (r.scope == "insurer", r.insurer_number),
        (r.scope == "line_of_business", case(LINE_CODES, value=r.line_of_business_code)),
        (r.scope == "product", r.product),
        (r.scope == "peril", r.peril),
        else_=r.contract_id,
    )
    return subject


def ratio_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The broker's own claims ratios."""
    del filters
    r = claims_ratios.c
    return select(
        r.ratio_id.label("id"),
        case(SCOPE_WORDS, value=r.scope, else_=r.scope).label("level"),
        _subject().label("subject"),
        r.period_start.label("period_start"),
        r.period_end.label("period_end"),
        (r.ratio * 100).label("ratio"),
        r.claims_expenses.label("claims_expenses"),
        r.premium.label("premium"),
    ).where(r.tenant_id == context.principal.tenant_id)


def send_all(context: ViewContext, row_id: str, reason: str | None) -> None:
    """*Übertragen*: the whole list as it stands now goes to the insurer (whichever row)."""
    del row_id, reason
    with context.kontor.bus.unit_of_work() as uow:
        transfer_ratios(
            uow.connection, context.principal.tenant_id, context.principal.user_id,
            uow.clock.now(),
        )  # fmt: skip
        uow.commit()


RATIOS = TableView(
    name="schadenquoten",
    path=f"{APP}/claims-ratios",
    title="Schadenquoten",
    permission="portfolio:read",
    columns=(
        Column("level", "Ebene"),
        Column("subject", "Bezug"),
        Column("period_start", "Von", Kind.DATE),
        Column("period_end", "Bis", Kind.DATE),
        Column("ratio", "Quote (%)", Kind.NUMBER),
        Column("claims_expenses", "Aufwand", Kind.MONEY),
        Column("premium", "Prämie", Kind.MONEY),
    ),
    rows=ratio_rows,
    default_sort="level",
    search_fields=("level", "subject"),
    actions=(Action("transfer", "Übertragen", SAVE, send_all, selection=False),),
)
"""The broker's claims ratios; *Übertragen* sends the whole list."""


@router.get(RECEIVED_PATH)
def received_page(request: Request, caller: Principal = NEEDS_READ) -> HTMLResponse:
    """The claims ratios the insurer's brokers transferred, per broker (latest sending)."""
    try:
        with kontor_of(request).bus.reading() as uow:
            groups = received_ratios(uow.connection, caller.tenant_id)
    except KontorError as error:
        values = {"principal": caller, "message": german_error(error)}
        return render(request, "error.html", values, status=error.status)
    return render(request, "transfer_ratios.html", {"principal": caller, "groups": groups})
