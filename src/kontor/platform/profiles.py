"""The group profiles new tenants start with: Kontor's defaults as the operator changed them.

Kontor ships one profile per group (``DEFAULT_PROFILES``: name, tenant kind, permissions). The
operator's staff change which permissions a profile carries; the change is stored and counts for
tenants created afterwards and for what administrators may hand out (their kind's ceiling).
Groups of existing tenants keep what they have; their administrators change those.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import Connection, delete, insert, select

from kontor.errors import InvalidInput, NotFound
from kontor.platform.permissions import (
    DEFAULT_PROFILES,
    MANAGE_TENANTS,
    READ_ALL_USAGE,
    GroupProfile,
    TenantKind,
    checked_permissions,
)
from kontor.platform.tables import group_profiles

OPERATOR_ONLY = frozenset({MANAGE_TENANTS, READ_ALL_USAGE})
"""Permissions that reach beyond one tenant: only operator profiles may carry them."""


class ProfileStore:
    """The effective group profiles on a connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def profiles(self, kind: TenantKind | None = None) -> list[GroupProfile]:
        """Every profile (of ``kind``) with the operator's changes applied, in shipped order."""
        changed = {
            row.group_id: frozenset(row.permissions)
            for row in self._connection.execute(select(group_profiles))
        }
        return [
            replace(profile, permissions=changed.get(profile.group_id, profile.permissions))
            for profile in DEFAULT_PROFILES
            if kind is None or profile.kind is kind
        ]

    def profile(self, group_id: str) -> GroupProfile:
        """One effective profile; raises ``NotFound`` for an unknown group id."""
        for profile in self.profiles():
            if profile.group_id == group_id:
                return profile
        raise NotFound(f"group profile {group_id!r} not found", group_id=group_id)

    def ceiling(self, kind: TenantKind) -> frozenset[str]:
        """The most a tenant of ``kind`` may hand out: what its kind's profiles carry."""
        return frozenset(
            permission for profile in self.profiles(kind) for permission in profile.permissions
        )

    def set_permissions(
        self, group_id: str, permissions: frozenset[str], now: dt.datetime, actor: str | None
    ) -> GroupProfile:
        """Store the permissions a profile carries from now on (checked against the catalogue)."""
        profile = self.profile(group_id)
        checked = checked_permissions(permissions, "permissions")
        reaching = sorted(checked & OPERATOR_ONLY)
        if profile.kind is not TenantKind.OPERATOR and reaching:
            raise InvalidInput(
                f"only operator profiles may carry {', '.join(reaching)}", field="permissions"
            )
        self._connection.execute(
            delete(group_profiles).where(group_profiles.c.group_id == group_id)
        )
        self._connection.execute(
            insert(group_profiles).values(
                group_id=group_id, permissions=sorted(checked), updated_at=now, updated_by=actor
            )
        )
        return self.profile(group_id)
