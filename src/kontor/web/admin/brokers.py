"""Pooling: the broker systems created under the caller's tenant; delete with confirmation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select

from kontor.errors import Conflict
from kontor.platform import tenants
from kontor.platform.permissions import MANAGE_BROKER_SYSTEMS
from kontor.web.i18n import Phrase
from kontor.web.views import Action, Column, Kind, TableView, ViewContext


def broker_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The broker systems whose parent is the caller's tenant."""
    del filters
    return select(
        tenants.c.tenant_id.label("id"), tenants.c.name, tenants.c.tenant_id, tenants.c.created_at
    ).where(tenants.c.parent_tenant_id == context.principal.tenant_id)


def delete(context: ViewContext, row_id: str, reason: str | None) -> None:
    """*Löschen*: only when the broker system's id is typed as confirmation; irreversible."""
    if (reason or "").strip() != row_id:
        asked = "Zur Bestätigung die Kennung {row_id} in das Textfeld eingeben."
        raise Conflict(Phrase(asked, row_id=row_id))
    kontor = context.kontor
    with kontor.bus.unit_of_work() as uow:
        kontor.administration.delete_broker_system(uow, context.principal, row_id)
        uow.commit()


BROKER_SYSTEMS = TableView(
    name="maklersysteme",
    path="/admin/broker-systems",
    title="Maklersysteme",
    permission=MANAGE_BROKER_SYSTEMS,
    columns=(
        Column("name", "Firma"),
        Column("tenant_id", "Kennung", sortable=True),
        Column("created_at", "Angelegt am", Kind.DATETIME),
    ),
    rows=broker_rows,
    default_sort="tenant_id",
    actions=(
        Action(
            "delete",
            "Löschen (Kennung als Bestätigung)",
            MANAGE_BROKER_SYSTEMS,
            delete,
            selection=False,
        ),
    ),
)
"""The Pooling app: broker systems under the caller's tenant."""
