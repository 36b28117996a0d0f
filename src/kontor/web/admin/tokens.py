"""The tenant's API tokens: who holds which, until when; revoke one at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, case, select

from kontor.errors import NotFound
from kontor.platform import TokenStore
from kontor.platform.identity_audit import REVOKE_TOKEN, record_identity_change
from kontor.platform.permissions import MANAGE_USERS
from kontor.platform.tables import api_tokens
from kontor.web.views import Action, Column, Filter, Kind, TableView, ViewContext

TOKEN_WORDS = {"valid": "gültig", "revoked": "widerrufen", "expired": "abgelaufen"}


def token_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """Every API token of the caller's tenant (never the secret, only its name and owner)."""
    del filters
    status = case(
        (api_tokens.c.revoked_at.is_not(None), "revoked"),
        (api_tokens.c.expires_at < context.now, "expired"),
        else_="valid",
    ).label("status")
    return select(
        api_tokens.c.token_id.label("id"),
        api_tokens.c.name,
        api_tokens.c.user_id,
        status,
        api_tokens.c.expires_at,
        api_tokens.c.last_used_at,
    ).where(api_tokens.c.tenant_id == context.principal.tenant_id)


def revoke(context: ViewContext, row_id: str, reason: str | None) -> None:
    """*Widerrufen*: the token stops working at once."""
    del reason
    tenant_id, actor = context.principal.tenant_id, context.principal.user_id
    with context.kontor.bus.unit_of_work() as uow:
        owner = uow.connection.execute(
            select(api_tokens.c.user_id).where(
                api_tokens.c.tenant_id == tenant_id, api_tokens.c.token_id == row_id
            )
        ).scalar_one_or_none()
        if owner is None:
            raise NotFound(f"token {row_id} not found", token_id=row_id)
        TokenStore(uow.connection).revoke(tenant_id, owner, row_id, uow.clock.now())
        record_identity_change(uow, REVOKE_TOKEN, ("token", row_id), tenant_id, actor)
        uow.commit()


TOKENS = TableView(
    name="api_tokens",
    path="/admin/tokens",
    title="API-Tokens",
    permission=MANAGE_USERS,
    columns=(
        Column("name", "Name"),
        Column("user_id", "Benutzer", Kind.USER),
        Column("status", "Status", Kind.BADGE, labels=TOKEN_WORDS),
        Column("expires_at", "Gültig bis", Kind.DATETIME, sortable=True),
        Column("last_used_at", "Zuletzt benutzt", Kind.DATETIME),
    ),
    rows=token_rows,
    default_sort="-expires_at",
    search_fields=("name",),
    filters=(Filter("status", "Status", lambda _c: list(TOKEN_WORDS.items()), column=True),),
    actions=(Action("revoke", "Widerrufen", MANAGE_USERS, revoke),),
)
"""The tenant's API tokens for its administrators."""
