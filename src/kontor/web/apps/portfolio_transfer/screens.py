"""The Umdeckung tables: the broker's Verträge and Umdeckung, the underwriter's Underwriter-App
and Zeichnungsvorgänge, each with the seed's right-click functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select

from kontor.apps.portfolio_transfer import (
    ACTION_LABELS,
    ActOnTransferRequest,
    AddContractToTransfer,
)
from kontor.web.apps.portfolio_transfer.queries import contract_rows, distinct_values, request_rows
from kontor.web.views import Action, Column, Filter, Kind, MenuEntry, TableView, ViewContext
from kontor.web.views.declarations import ActionRun

APP = "/apps/portfolio_transfer"
READ, SAVE, DELETE = (f"app:portfolio_transfer:{a}" for a in ("read", "save", "delete"))
REMARK_ACTIONS = frozenset({"request_information", "reject"})
"""Actions whose remark (the context menu's text field) goes to the request's *Bemerkung*."""


def request_url(row: Mapping[str, Any]) -> str:
    """The detail page of a request with its protocol."""
    return f"{APP}/request/{row['id']}"


def add_to_transfer(context: ViewContext, row_id: str, reason: str | None) -> None:
    """*Zur Umdeckung hinzufügen*: the contract gets a request in *Warte auf Anfrage*."""
    del reason
    context.kontor.bus.handle(
        AddContractToTransfer(
            tenant_id=context.principal.tenant_id, actor=context.principal.user_id,
            contract_id=row_id,
        )
    )  # fmt: skip


def act(action: str) -> ActionRun:
    """A right-click function running ``action`` through the app's command handler."""

    def run(context: ViewContext, row_id: str, reason: str | None) -> None:
        context.kontor.bus.handle(
            ActOnTransferRequest(
                tenant_id=context.principal.tenant_id, actor=context.principal.user_id,
                request_id=row_id, action=action,
                remark=reason if action in REMARK_ACTIONS else None,
            )
        )  # fmt: skip

    return run


def _action(name: str, permission: str = SAVE) -> Action:
    return Action(name, ACTION_LABELS[name], permission, act(name))


def _broker_requests(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    del filters
    return request_rows(context, "broker")


def _incoming(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    del filters
    return request_rows(context, "insurer")


def _cases(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    del filters
    return request_rows(context, "insurer", with_case=True)


def _statuses(rows: Any, key: str = "status") -> Any:
    def options(context: ViewContext) -> Sequence[tuple[str, str]]:
        return [(value, value) for value in distinct_values(context, rows(context, {}), key)]

    return options


CONTRACTS = TableView(
    name="vertraege",
    path=f"{APP}/contracts",
    title="Verträge",
    permission="portfolio:read",
    columns=(
        Column("customer", "Kunde", sortable=True),
        Column("line", "Sparte", sortable=True),
        Column("policy_number", "Versicherungsscheinnummer", sortable=True),
        Column("insurer", "Versicherer"),
        Column("premium", "Beitrag", Kind.MONEY),
        Column("validity_date", "Gültigkeitsstichtag", Kind.DATE, sortable=True),
        Column("transfer_status", "Umdeckung"),
    ),
    rows=contract_rows,
    default_sort="customer",
    search_fields=("customer", "line", "policy_number", "insurer", "transfer_status"),
    actions=(Action("add", "Zur Umdeckung hinzufügen", SAVE, add_to_transfer),),
)
"""The broker's contracts (from the portfolio), to be added to the Umdeckung app."""

_REQUEST_COLUMNS = (
    Column("contract", "Vertrag", sortable=True),
    Column("customer", "Kunde", sortable=True),
    Column("line", "Sparte", sortable=True),
    Column("status", "Status", sortable=True),
)
_WHEN = Column("created_at", "Hinzugefügt am", Kind.DATETIME, sortable=True)
_SEARCH = ("contract", "customer", "line", "status")

REQUESTS = TableView(
    name="umdeckung",
    path=f"{APP}/requests",
    title="Umdeckung",
    permission=READ,
    columns=(
        *_REQUEST_COLUMNS,
        Column("premium", "Beitrag", Kind.MONEY),
        Column("proposed_premium", "Vorgeschlagene Prämie", Kind.MONEY),
        Column("condition", "Kondition (%)", Kind.NUMBER),
        Column("remark", "Bemerkung"),
        _WHEN,
    ),
    rows=_broker_requests,
    default_sort="-created_at",
    search_fields=(*_SEARCH, "remark"),
    filters=(Filter("status", "Status", _statuses(_broker_requests), column=True),),
    actions=(
        _action("forward"),
        _action("withdraw"),
        _action("delete", DELETE),
        _action("resolve_information"),
        _action("confirm_application"),
        _action("forward_again"),
    ),
    detail_url=request_url,
)
"""The broker's transfer requests with the seed's right-click functions."""

INCOMING = TableView(
    name="underwriter_app",
    path=f"{APP}/incoming",
    title="Underwriter-App",
    permission=READ,
    columns=(
        *_REQUEST_COLUMNS,
        Column("premium", "Beitrag", Kind.MONEY),
        Column("remark", "Bemerkung"),
        _WHEN,
    ),
    rows=_incoming,
    default_sort="-created_at",
    search_fields=(*_SEARCH, "remark"),
    filters=(Filter("status", "Status", _statuses(_incoming), column=True),),
    actions=(_action("set_interest"), _action("reject"), _action("request_information")),
    detail_url=request_url,
    create=MenuEntry("Standardwerte und Ablehnungskriterien", f"{APP}/intake", SAVE),
)
"""The requests the insurer's brokers forwarded: interest, rejection, information needed."""

CASES = TableView(
    name="zeichnungsvorgaenge",
    path=f"{APP}/cases",
    title="Zeichnungsvorgänge",
    permission=READ,
    columns=(
        *_REQUEST_COLUMNS,
        Column("case_status", "Technischer Status", sortable=True),
        Column("premium", "Vorprämie", Kind.MONEY),
        Column("premium_100", "100 %-Prämie", Kind.MONEY),
        Column("condition", "Kondition (%)", Kind.NUMBER),
        Column("proposed_premium", "Vorgeschlagene Prämie", Kind.MONEY),
        _WHEN,
    ),
    rows=_cases,
    default_sort="-created_at",
    search_fields=(*_SEARCH, "case_status"),
    filters=(
        Filter("case_status", "Technischer Status", _statuses(_cases, "case_status"), column=True),
    ),
    actions=(_action("calculate"), _action("propose")),
    detail_url=request_url,
    create=MenuEntry("Rabatt überschreiben", f"{APP}/cases/override", SAVE),
)
"""The underwriting cases with their technical status and calculation."""
