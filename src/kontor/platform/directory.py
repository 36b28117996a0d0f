"""Users, groups, memberships and per-user grants of one tenant, on a unit of work's connection.

Every method takes the tenant: a user or group of another tenant is not found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, select, update

from kontor.db.fast import FastStatement
from kontor.db.ids import time_ordered_id
from kontor.errors import Conflict, InvalidInput, NotFound
from kontor.platform.permissions import GroupProfile
from kontor.platform.tables import grants, groups, memberships, users


@dataclass(frozen=True)
class User:
    """A user of one tenant (never with the password hash)."""

    user_id: str
    tenant_id: str
    login: str
    display_name: str
    email: str
    active: bool
    created_at: dt.datetime
    created_by: str | None
    has_password: bool
    password_changed_at: dt.datetime | None = None
    password_expires: bool = True


@dataclass(frozen=True)
class Group:
    """A group of one tenant and the permissions its members hold."""

    tenant_id: str
    group_id: str
    name: str
    permissions: frozenset[str]
    second_factor_required: bool = False


@dataclass(frozen=True)
class Membership:
    """What a user's groups and grants give: group ids, permissions, a second-factor duty."""

    group_ids: frozenset[str]
    permissions: frozenset[str]
    second_factor_required: bool


@dataclass(frozen=True)
class Grant:
    """A permission granted to (or withdrawn from) one user beyond the groups."""

    permission: str
    granted: bool


class Directory:
    """Reads and writes users, groups and grants of one tenant."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self.tenant_id = tenant_id

    # ------------------------------------------------------------ groups

    def add_groups(self, profiles: Iterable[GroupProfile], now: dt.datetime) -> None:
        """Give the tenant one group per profile (a new tenant's starting groups)."""
        rows = [
            {
                "tenant_id": self.tenant_id,
                "group_id": profile.group_id,
                "name": profile.name,
                "permissions": sorted(profile.permissions),
                "updated_at": now,
            }
            for profile in profiles
        ]
        if rows:
            self._connection.execute(insert(groups), rows)

    def groups(self) -> list[Group]:
        """The tenant's groups, by id."""
        rows = self._connection.execute(
            select(groups).where(groups.c.tenant_id == self.tenant_id).order_by(groups.c.group_id)
        )
        return [_group(row) for row in rows]

    def group(self, group_id: str) -> Group:
        """One group of the tenant; raises ``NotFound`` otherwise."""
        row = self._connection.execute(
            select(groups).where(
                groups.c.tenant_id == self.tenant_id, groups.c.group_id == group_id
            )
        ).one_or_none()
        if row is None:
            raise NotFound(f"group {group_id!r} not found", group_id=group_id)
        return _group(row)

    def set_group_permissions(
        self, group_id: str, permissions: frozenset[str], now: dt.datetime
    ) -> Group:
        """Replace what a group's members may do; it counts from their next request on."""
        self.group(group_id)
        self._connection.execute(
            update(groups)
            .where(groups.c.tenant_id == self.tenant_id, groups.c.group_id == group_id)
            .values(permissions=sorted(permissions), updated_at=now)
        )
        return self.group(group_id)

    def set_second_factor_required(self, group_id: str, required: bool, now: dt.datetime) -> Group:
        """Require (or stop requiring) a confirmed second factor of the group's members."""
        self.group(group_id)
        self._connection.execute(
            update(groups)
            .where(groups.c.tenant_id == self.tenant_id, groups.c.group_id == group_id)
            .values(second_factor_required=required, updated_at=now)
        )
        return self.group(group_id)

    # ------------------------------------------------------------ users

    def add_user(
        self,
        *,
        login: str,
        display_name: str,
        email: str,
        group_ids: Iterable[str],
        now: dt.datetime,
        created_by: str | None = None,
        password_hash: str | None = None,
    ) -> User:
        """Create an active user in ``group_ids``; the login is unique across all tenants."""
        login = login.strip().casefold()
        if not login:
            raise InvalidInput("a login name is required", field="login")
        taken = self._connection.execute(
            select(func.count()).select_from(users).where(users.c.login == login)
        ).scalar_one()
        if taken:
            raise Conflict(f"login {login!r} is taken", field="login")
        wanted = sorted(set(group_ids))
        for group_id in wanted:
            self.group(group_id)
        user_id = time_ordered_id()
        self._connection.execute(
            insert(users).values(
                user_id=user_id,
                tenant_id=self.tenant_id,
                login=login,
                display_name=display_name,
                email=email,
                password_hash=password_hash,
                active=True,
                created_at=now,
                created_by=created_by,
                password_changed_at=now if password_hash else None,
            )
        )
        if wanted:
            self._connection.execute(
                insert(memberships),
                [{"tenant_id": self.tenant_id, "user_id": user_id, "group_id": g} for g in wanted],
            )
        return self.user(user_id)

    def user(self, user_id: str) -> User:
        """One user of the tenant; raises ``NotFound`` otherwise."""
        row = self._connection.execute(
            select(users).where(users.c.tenant_id == self.tenant_id, users.c.user_id == user_id)
        ).one_or_none()
        if row is None:
            raise NotFound(f"user {user_id!r} not found", user_id=user_id)
        return _user(row)

    def users(self, *, created_by: str | None = None) -> list[User]:
        """The tenant's users (or those ``created_by`` one user), by login."""
        query = select(users).where(users.c.tenant_id == self.tenant_id).order_by(users.c.login)
        if created_by is not None:
            query = query.where(users.c.created_by == created_by)
        return [_user(row) for row in self._connection.execute(query)]

    def deactivate(self, user_id: str, now: dt.datetime) -> User:
        """Mark a user inactive: they can no longer log in or use a session or token."""
        self.user(user_id)
        self._connection.execute(
            update(users)
            .where(users.c.tenant_id == self.tenant_id, users.c.user_id == user_id)
            .values(active=False, deactivated_at=now)
        )
        return self.user(user_id)

    def reactivate(self, user_id: str) -> User:
        """Let a deactivated user log in again (their ended sessions and tokens stay ended)."""
        self.user(user_id)
        self._connection.execute(
            update(users)
            .where(users.c.tenant_id == self.tenant_id, users.c.user_id == user_id)
            .values(active=True, deactivated_at=None)
        )
        return self.user(user_id)

    def set_password_hash(self, user_id: str, password_hash: str, now: dt.datetime) -> None:
        """Store a new password hash for a user."""
        self.user(user_id)
        self._connection.execute(
            update(users)
            .where(users.c.tenant_id == self.tenant_id, users.c.user_id == user_id)
            .values(password_hash=password_hash, password_changed_at=now, password_reminded=None)
        )

    def set_password_expiry(self, user_id: str, expires: bool) -> User:
        """Let a user's password expire with age, or not."""
        self.user(user_id)
        self._connection.execute(
            update(users)
            .where(users.c.tenant_id == self.tenant_id, users.c.user_id == user_id)
            .values(password_expires=expires)
        )
        return self.user(user_id)

    def group_ids_of(self, user_id: str) -> frozenset[str]:
        """The groups a user is in."""
        rows = self._connection.execute(
            select(memberships.c.group_id).where(
                memberships.c.tenant_id == self.tenant_id, memberships.c.user_id == user_id
            )
        )
        return frozenset(rows.scalars())

    # ------------------------------------------------------------ grants

    def set_grant(self, user_id: str, permission: str, granted: bool | None) -> None:
        """Grant (True) or withdraw (False) ``permission`` for one user, or follow the groups."""
        self.user(user_id)
        key = (
            (grants.c.tenant_id == self.tenant_id)
            & (grants.c.user_id == user_id)
            & (grants.c.permission == permission)
        )
        self._connection.execute(delete(grants).where(key))
        if granted is not None:
            self._connection.execute(
                insert(grants).values(
                    tenant_id=self.tenant_id,
                    user_id=user_id,
                    permission=permission,
                    granted=granted,
                )
            )

    def grants_of(self, user_id: str) -> list[Grant]:
        """The permissions granted to or withdrawn from one user, by name."""
        rows = self._connection.execute(
            select(grants.c.permission, grants.c.granted)
            .where(grants.c.tenant_id == self.tenant_id, grants.c.user_id == user_id)
            .order_by(grants.c.permission)
        )
        return [Grant(row.permission, bool(row.granted)) for row in rows]

    def permissions_of(self, user_id: str) -> frozenset[str]:
        """What a user may do: their groups' permissions, plus grants, minus withdrawals."""
        permissions, _ = self.access_of(user_id)
        return permissions

    def access_of(self, user_id: str) -> tuple[frozenset[str], bool]:
        """A user's permissions and whether one of their groups requires a second factor."""
        access = self.membership_of(user_id)
        return access.permissions, access.second_factor_required

    def membership_of(self, user_id: str) -> Membership:
        """A user's groups, permissions (grants applied) and second-factor requirement.

        Two queries: the groups with what they carry, and the user's grants.
        """
        params = {"tenant_id": self.tenant_id, "user_id": user_id}
        return membership_from(
            _MEMBER_GROUPS.all_rows(self._connection, params),
            _USER_GRANTS.all_rows(self._connection, params),
        )


# read on every request (principal_of): built once, run without SQLAlchemy's per-call work
_MEMBER_GROUPS = FastStatement(
    select(groups.c.group_id, groups.c.permissions, groups.c.second_factor_required)
    .join(
        memberships,
        (memberships.c.tenant_id == groups.c.tenant_id)
        & (memberships.c.group_id == groups.c.group_id),
    )
    .where(
        memberships.c.tenant_id == bindparam("tenant_id"),
        memberships.c.user_id == bindparam("user_id"),
    )
)
_USER_GRANTS = FastStatement(
    select(grants.c.permission, grants.c.granted).where(
        grants.c.tenant_id == bindparam("tenant_id"), grants.c.user_id == bindparam("user_id")
    )
)


def membership_from(
    of_groups: Iterable[tuple[str, Iterable[str], Any]], of_grants: Iterable[tuple[str, Any]]
) -> Membership:
    """What a user's groups and grants give.

    ``of_groups``: (group id, permissions, requires a second factor); ``of_grants``: (permission,
    granted or withdrawn).
    """
    group_ids: set[str] = set()
    held: set[str] = set()
    required = False
    for group_id, names, requires_second_factor in of_groups:
        group_ids.add(group_id)
        held.update(names)
        required = required or bool(requires_second_factor)
    for permission, granted in of_grants:
        if granted:
            held.add(permission)
        else:
            held.discard(permission)
    return Membership(frozenset(group_ids), frozenset(held), required)


def find_user(connection: Connection, login: str) -> User | None:
    """The user with ``login`` in any tenant (for the operator's command line), if any."""
    row = connection.execute(
        select(users).where(users.c.login == login.strip().casefold())
    ).one_or_none()
    return _user(row) if row else None


def _group(row: Row[Any]) -> Group:
    return Group(
        row.tenant_id,
        row.group_id,
        row.name,
        frozenset(row.permissions),
        bool(row.second_factor_required),
    )


def _user(row: Row[Any]) -> User:
    return User(
        user_id=row.user_id,
        tenant_id=row.tenant_id,
        login=row.login,
        display_name=row.display_name,
        email=row.email,
        active=bool(row.active),
        created_at=row.created_at,
        created_by=row.created_by,
        has_password=row.password_hash is not None,
        password_changed_at=row.password_changed_at,
        password_expires=bool(row.password_expires),
    )
