"""Every request's read: a session or token with its user, tenant, groups and grants, at once.

One statement (a ``UNION ALL`` over the credential found by its hash) instead of one per table,
so that authentication costs the database one round trip. The rows come back in three parts:
the credential with its user and tenant, one row per group, one row per grant.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Engine,
    String,
    Table,
    and_,
    bindparam,
    cast,
    exists,
    literal_column,
    null,
    select,
    union_all,
)

from kontor.db import UtcDateTime
from kontor.db.fast import FastStatement
from kontor.platform.directory import Membership, membership_from
from kontor.platform.identity import Principal
from kontor.platform.permissions import MANAGE_BROKER_SYSTEMS, SIGNED_IN, TenantKind
from kontor.platform.tables import (
    api_tokens,
    grants,
    groups,
    memberships,
    second_factors,
    sessions,
    users,
)
from kontor.platform.tenants import tenants

CREDENTIAL, GROUP, GRANT = "c", "g", "p"


@dataclass(frozen=True)
class Found:
    """What the lookup found for a secret: the credential's times and the principal it gives.

    ``seen_at`` is the session's last-seen time or the token's last use (None: never used).
    """

    credential_id: str
    expires_at: dt.datetime
    seen_at: dt.datetime | None
    principal: Principal


def _lookup(credential: Table, live: ColumnElement[bool], seen: str, scope: Any) -> FastStatement:
    key = credential.c.session_id if credential is sessions else credential.c.token_id
    found = (
        select(
            credential.c.tenant_id,
            credential.c.user_id,
            key.label("credential_id"),
            credential.c.expires_at,
            credential.c[seen].label("seen_at"),
            scope.label("scope"),
        )
        .where(credential.c.secret_hash == bindparam("secret_hash"), live)
        .cte("credential")
    )
    confirmed = exists().where(
        second_factors.c.tenant_id == found.c.tenant_id,
        second_factors.c.user_id == found.c.user_id,
        second_factors.c.confirmed_at.is_not(None),
    )
    no_text, no_flag = cast(null(), String), cast(null(), Boolean)
    no_time = cast(null(), UtcDateTime)
    head = select(
        literal_column(f"'{CREDENTIAL}'", String).label("part"),
        found.c.credential_id.label("name"),
        found.c.scope.label("document"),
        users.c.active.label("flag"),
        tenants.c.kind,
        tenants.c.allows_sub_brokers,
        tenants.c.second_factor_required.label("tenant_requires"),
        confirmed.label("confirmed"),
        found.c.expires_at,
        found.c.seen_at,
        found.c.tenant_id,
        found.c.user_id,
    ).select_from(
        found.join(
            users, and_(users.c.tenant_id == found.c.tenant_id, users.c.user_id == found.c.user_id)
        ).join(tenants, tenants.c.tenant_id == found.c.tenant_id)
    )
    blanks = (no_text, no_flag, no_flag, no_flag, no_time, no_time, no_text, no_text)
    of_groups = select(
        literal_column(f"'{GROUP}'", String),
        groups.c.group_id,
        cast(groups.c.permissions, String),
        groups.c.second_factor_required,
        *blanks,
    ).select_from(
        found.join(
            memberships,
            and_(
                memberships.c.tenant_id == found.c.tenant_id,
                memberships.c.user_id == found.c.user_id,
            ),
        ).join(
            groups,
            and_(
                groups.c.tenant_id == memberships.c.tenant_id,
                groups.c.group_id == memberships.c.group_id,
            ),
        )
    )
    of_grants = select(
        literal_column(f"'{GRANT}'", String),
        grants.c.permission,
        no_text,
        grants.c.granted,
        *blanks,
    ).select_from(
        found.join(
            grants,
            and_(grants.c.tenant_id == found.c.tenant_id, grants.c.user_id == found.c.user_id),
        )
    )
    return FastStatement(union_all(head, of_groups, of_grants))


_SESSION = _lookup(sessions, sessions.c.ended_at.is_(None), "last_seen_at", cast(null(), String))
_TOKEN = _lookup(
    api_tokens,
    api_tokens.c.revoked_at.is_(None),
    "last_used_at",
    cast(api_tokens.c.permissions, String),
)


def session_lookup(engine: Engine, hashed: str) -> Found | None:
    """The live (not ended) session with the hashed secret and its principal, if any."""
    return _found(_SESSION.read_once(engine, {"secret_hash": hashed}), is_session=True)


def token_lookup(engine: Engine, hashed: str) -> Found | None:
    """The unrevoked token with the hashed secret and its principal (in its scope), if any."""
    return _found(_TOKEN.read_once(engine, {"secret_hash": hashed}), is_session=False)


@lru_cache(maxsize=4096)
def _names(document: str) -> frozenset[str]:
    """The permission names of a stored JSON list (the same few lists come on every request)."""
    names = json.loads(document)
    assert isinstance(names, list)
    return frozenset(str(name) for name in names)


def _found(rows: list[Any], *, is_session: bool) -> Found | None:
    head = next((row for row in rows if row.part == CREDENTIAL), None)
    if head is None or not head.flag:
        return None  # no such credential, or its user is deactivated
    membership = membership_from(
        ((row.name, _names(row.document), row.flag) for row in rows if row.part == GROUP),
        ((row.name, row.flag) for row in rows if row.part == GRANT),
    )
    principal = principal_from(
        head.tenant_id,
        head.user_id,
        membership,
        kind=TenantKind(head.kind),
        allows_sub_brokers=bool(head.allows_sub_brokers),
        tenant_requires=bool(head.tenant_requires),
        confirmed=bool(head.confirmed),
        session_id=head.name if is_session else None,
        scope=None if is_session else _names(head.document),
    )
    return Found(head.name, head.expires_at, head.seen_at, principal)


def principal_from(
    tenant_id: str,
    user_id: str,
    membership: Membership,
    *,
    kind: TenantKind,
    allows_sub_brokers: bool,
    tenant_requires: bool,
    confirmed: bool,
    session_id: str | None = None,
    scope: frozenset[str] | None = None,
) -> Principal:
    """The principal of a user of a tenant with ``membership``.

    Where the tenant or a group requires a second factor the user has not ``confirmed``, they
    hold only ``platform:account`` until they do; a token holds at most its ``scope``.
    """
    held = membership.permissions
    if (tenant_requires or membership.second_factor_required) and not confirmed:
        held = frozenset()
    permissions = held | {SIGNED_IN}
    if kind is TenantKind.BROKER and not allows_sub_brokers:
        permissions -= {MANAGE_BROKER_SYSTEMS}
    if scope is not None:
        permissions &= scope
    return Principal(
        user_id=user_id,
        tenant_id=tenant_id,
        groups=membership.group_ids,
        permissions=permissions,
        session_id=session_id,
    )
