"""The row queries of the Umdeckung screens: contracts and transfer requests, tenant-scoped.

Each returns a SELECT with a column ``id`` and one column per declared column key; the shell
adds search, filters, sort and paging on top.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, null, select

from kontor.apps.portfolio_transfer.store import visible_to
from kontor.apps.portfolio_transfer.tables import transfer_requests
from kontor.db import reading
from kontor.portfolio import LINES_OF_BUSINESS
from kontor.portfolio.tables import contracts, customers
from kontor.web.views import ViewContext

PROPOSAL_STATUSES = ("Beantragungswunsch", "Akzeptiert", "Beantragt", "Angenommen", "Gezeichnet")
"""From these statuses on the broker sees the underwriter's proposal (premium, condition)."""


LINE_WORDS = dict(LINES_OF_BUSINESS.values())
"""Our name of each Sparte → its German word."""


def in_german(line: ColumnElement[Any]) -> ColumnElement[Any]:
    """The Sparte as a person reads it (searchable in German): ``household`` → ``Hausrat``."""
    worded: ColumnElement[Any] = case(LINE_WORDS, value=line, else_=line)
    return worded


def customer_name() -> ColumnElement[Any]:
    """The customer as a person reads it: the company, or "Nachname, Vorname"."""
    k = customers.c
    person = func.coalesce(k.last_name, "") + literal(", ") + func.coalesce(k.first_name, "")
    return func.coalesce(k.company_name, person)


def contract_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The tenant's contracts with their customer and, if added, their Umdeckung status."""
    del filters
    me = context.principal.tenant_id
    c, k, t = contracts.c, customers.c, transfer_requests.c
    return (
        select(
            c.contract_id.label("id"),
            customer_name().label("customer"),
            in_german(c.line_of_business).label("line"),
            c.policy_number.label("policy_number"),
            c.insurer_name.label("insurer"),
            c.annual_premium_gross.label("premium"),
            c.validity_date.label("validity_date"),
            t.status.label("transfer_status"),
        )
        .select_from(
            contracts.join(
                customers, and_(k.customer_id == c.customer_id, k.tenant_id == me)
            ).outerjoin(transfer_requests, and_(t.contract_id == c.contract_id, t.tenant_id == me))
        )
        .where(c.tenant_id == me)
    )


def _calculated(key: str) -> ColumnElement[Any]:
    found: ColumnElement[Any] = transfer_requests.c.calculation[key].as_string()
    return found


def request_rows(context: ViewContext, side: str, *, with_case: bool = False) -> Select[Any]:
    """The requests of the caller's ``side`` ("broker" or "insurer") with their contract.

    The broker sees the proposal from *Beantragungswunsch* on; the insurer sees the case's
    calculation. ``with_case`` keeps only requests with an underwriting case.
    """
    me = context.principal.tenant_id
    t, c, k = transfer_requests.c, contracts.c, customers.c
    own_contract = t.contract_id if side == "broker" else t.insurer_contract_id
    premium: ColumnElement[Any]
    condition: ColumnElement[Any]
    if side == "broker":
        shown = t.status.in_(PROPOSAL_STATUSES)
        premium = case((shown, _calculated("premium")), else_=null())
        condition = case((shown, _calculated("condition_percent")), else_=null())
        case_status: ColumnElement[Any] = null()
        premium_100: ColumnElement[Any] = null()
    else:
        premium, condition = _calculated("premium"), _calculated("condition_percent")
        case_status, premium_100 = t.case_status, _calculated("premium_100")
    query = (
        select(
            t.request_id.label("id"),
            func.coalesce(c.policy_number, t.label).label("contract"),
            customer_name().label("customer"),
            in_german(t.line_of_business).label("line"),
            t.status.label("status"),
            case_status.label("case_status"),
            c.annual_premium_gross.label("premium"),
            premium_100.label("premium_100"),
            condition.label("condition"),
            premium.label("proposed_premium"),
            t.remark.label("remark"),
            t.created_at.label("created_at"),
        )
        .select_from(
            transfer_requests.outerjoin(
                contracts, and_(c.contract_id == own_contract, c.tenant_id == me)
            ).outerjoin(customers, and_(k.customer_id == c.customer_id, k.tenant_id == me))
        )
        .where(visible_to(me))
    )
    if side == "broker":
        query = query.where(t.tenant_id == me)
    else:
        query = query.where(t.insurer_tenant_id == me, t.forwarded)
    if with_case:
        query = query.where(t.case_status.is_not(None))
    return query


def distinct_values(context: ViewContext, query: Select[Any], key: str) -> Sequence[str]:
    """The values of column ``key`` that ``query`` yields (for a filter's options)."""
    listing = query.subquery()
    with reading(context.kontor.engine) as connection:
        found = connection.execute(
            select(listing.c[key]).where(listing.c[key].is_not(None)).distinct()
        )
        return sorted(str(value) for value in found.scalars())
