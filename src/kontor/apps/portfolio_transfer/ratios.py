"""Claims ratios *Übertragen*: the broker sends the whole list as it stands to its insurer.

"Dabei gilt zu beachten, dass die Gesamtliste der zum Zeitpunkt des Versandes angelegter
Schadenquoteninformationen an den Underwriter übermittelt wird." Each sending is kept as a
snapshot; the insurer sees, per broker, the ratios of its latest sending that are not tied to
a contract (those tied to a contract travel with the forwarded contract).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select

from kontor.apps.portfolio_transfer.errors import InvalidTransferInput, NotYourSide
from kontor.apps.portfolio_transfer.tables import ratio_transfers
from kontor.platform import TenantKind, TenantStore
from kontor.portfolio import line_label
from kontor.portfolio.tables import claims_ratios, contracts

SCOPE_WORDS = {
    "contract": "Vertrag", "insurer": "Gesellschaft", "line_of_business": "Sparte",
    "product": "Produkt", "peril": "Gefahr",
}  # fmt: skip
"""The level a ratio is recorded on, in German."""


@dataclass(frozen=True)
class RatioTransfer:
    """One sending: who sent it when, and the list as it stood."""

    transfer_id: str
    broker_tenant_id: str
    broker_name: str
    insurer_tenant_id: str
    sent_at: dt.datetime
    sent_by: str
    ratios: list[dict[str, Any]]


def ratio_list(connection: Connection, tenant_id: str) -> list[dict[str, Any]]:
    """The tenant's claims ratios as they stand, each with its level and subject in words."""
    r, c = claims_ratios.c, contracts.c
    query = (
        select(claims_ratios, c.policy_number)
        .select_from(
            claims_ratios.outerjoin(
                contracts, and_(c.contract_id == r.contract_id, c.tenant_id == tenant_id)
            )
        )
        .where(r.tenant_id == tenant_id)
        .order_by(r.scope, r.period_start, r.ratio_id)
    )
    found = []
    for row in connection.execute(query).mappings():
        code = row["line_of_business_code"]
        subject = {
            "contract": row["policy_number"], "insurer": row["insurer_number"],
            "line_of_business": line_label(code) if code else None, "product": row["product"],
            "peril": row["peril"],
        }.get(row["scope"])  # fmt: skip
        found.append(
            {
                "ratio_id": row["ratio_id"], "scope": row["scope"],
                "level": SCOPE_WORDS.get(row["scope"], row["scope"]), "subject": subject,
                "contract_id": row["contract_id"],
                "period_start": row["period_start"].isoformat(),
                "period_end": row["period_end"].isoformat(), "ratio": row["ratio"],
                "claims_expenses": row["claims_expenses"], "premium": row["premium"],
            }
        )  # fmt: skip
    return found


def _insurer_above(tenants: TenantStore, tenant_id: str) -> str | None:
    tenant = tenants.get(tenant_id)
    seen = {tenant_id}
    while tenant.parent_tenant_id is not None and tenant.parent_tenant_id not in seen:
        seen.add(tenant.parent_tenant_id)
        tenant = tenants.get(tenant.parent_tenant_id)
        if tenant.kind is TenantKind.INSURER:
            return tenant.tenant_id
    return None


def transfer_ratios(
    connection: Connection, tenant_id: str, actor: str, now: dt.datetime
) -> RatioTransfer:
    """*Übertragen*: send the broker's whole list of claims ratios to its insurer."""
    tenants = TenantStore(connection)
    broker = tenants.get(tenant_id)
    if broker.kind is not TenantKind.BROKER:
        raise NotYourSide("Schadenquoten überträgt der Makler", action="transfer_ratios")
    insurer = _insurer_above(tenants, tenant_id)
    if insurer is None:
        raise InvalidTransferInput(
            "Nur ein Maklersystem mit Versicherer kann Schadenquoten übertragen", field="tenant"
        )
    ratios = ratio_list(connection, tenant_id)
    transfer = RatioTransfer(str(uuid.uuid4()), tenant_id, broker.name, insurer, now, actor, ratios)
    connection.execute(
        insert(ratio_transfers).values(
            transfer_id=transfer.transfer_id, tenant_id=tenant_id, insurer_tenant_id=insurer,
            sent_at=now, sent_by=actor, ratios=ratios,
        )
    )  # fmt: skip
    return transfer


def last_sent(connection: Connection, tenant_id: str) -> dt.datetime | None:
    """When the broker last transferred its claims ratios."""
    t = ratio_transfers.c
    found: dt.datetime | None = connection.execute(
        select(func.max(t.sent_at)).where(t.tenant_id == tenant_id)
    ).scalar_one_or_none()
    return found


def received_ratios(connection: Connection, insurer_tenant_id: str) -> list[RatioTransfer]:
    """Per broker, its latest sending with the ratios not tied to a contract (the insurer)."""
    tenants = TenantStore(connection)
    if tenants.get(insurer_tenant_id).kind is not TenantKind.INSURER:
        raise NotYourSide("Übertragene Schadenquoten sieht der Versicherer")
    t = ratio_transfers.c
    latest = (
        select(t.tenant_id, func.max(t.sent_at).label("sent_at"))
        .where(t.insurer_tenant_id == insurer_tenant_id)
        .group_by(t.tenant_id)
        .subquery()
    )
    query = (
        select(ratio_transfers)
        .join(latest, and_(latest.c.tenant_id == t.tenant_id, latest.c.sent_at == t.sent_at))
        .where(t.insurer_tenant_id == insurer_tenant_id)
        .order_by(t.tenant_id)
    )
    groups: list[RatioTransfer] = []
    for row in connection.execute(query).mappings():
        if groups and groups[-1].broker_tenant_id == row["tenant_id"]:
            continue  # two sendings in the same instant: one is enough
        loose = [ratio for ratio in row["ratios"] if not ratio.get("contract_id")]
        groups.append(
            RatioTransfer(
                row["transfer_id"], row["tenant_id"], tenants.get(row["tenant_id"]).name,
                insurer_tenant_id, row["sent_at"], row["sent_by"], loose,
            )
        )  # fmt: skip
    return groups
