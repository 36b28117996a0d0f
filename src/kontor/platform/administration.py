"""Managing tenants, users, groups and grants, with the rules of who may manage whom.

Holders of ``platform:sub_users`` manage the users they created themselves and may hand them
only groups and permissions they hold (a broker and their clerks); ``platform:users`` widens
that to every user and group of the tenant (administrators). A user out of the caller's reach
is "not found".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection, MetaData

from kontor.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kontor.messaging import UnitOfWork
from kontor.platform.authentication import Authenticator, effective_permissions
from kontor.platform.credentials import SessionStore, TokenStore
from kontor.platform.deletion import (
    BrokerSystemEnding,
    DeletedBrokerSystem,
    broker_system,
    delete_broker_system,
)
from kontor.platform.directory import Directory, Group, User
from kontor.platform.identity import Principal
from kontor.platform.identity_audit import (
    CREATE_BROKER_SYSTEM,
    CREATE_USER,
    DEACTIVATE_USER,
    END_SESSION,
    REACTIVATE_USER,
    REQUIRE_SECOND_FACTOR,
    RESET_SECOND_FACTOR,
    SET_GRANT,
    SET_GROUP_PERMISSIONS,
    SET_PROFILE_PERMISSIONS,
    record_identity_change,
)
from kontor.platform.permissions import (
    BROKERS,
    MANAGE_BROKER_SYSTEMS,
    MANAGE_GROUPS,
    MANAGE_SUB_USERS,
    MANAGE_TENANTS,
    MANAGE_USERS,
    GroupProfile,
    TenantKind,
    checked_permissions,
)
from kontor.platform.profiles import ProfileStore
from kontor.platform.second_factor_store import SecondFactorStore
from kontor.platform.tenants import Tenant, TenantStore


def provision_tenant(
    connection: Connection,
    tenant_id: str,
    name: str,
    kind: TenantKind,
    now: dt.datetime,
    *,
    parent_tenant_id: str | None = None,
    allows_sub_brokers: bool = False,
) -> Tenant:
    """Create a tenant with the groups of its kind's profiles."""
    tenant = TenantStore(connection).add(
        tenant_id,
        name,
        now,
        kind=kind,
        parent_tenant_id=parent_tenant_id,
        allows_sub_brokers=allows_sub_brokers,
    )
    profiles = ProfileStore(connection).profiles(kind)  # as the operator set them
    Directory(connection, tenant_id).add_groups(profiles, now)
    return tenant


def deactivate_user(uow: UnitOfWork, tenant_id: str, user_id: str, actor: str | None) -> User:
    """Deactivate a user, end their sessions and revoke their API tokens."""
    now = uow.clock.now()
    user = Directory(uow.connection, tenant_id).deactivate(user_id, now)
    SessionStore(uow.connection).end_all(tenant_id, user_id, now)
    TokenStore(uow.connection).revoke_all(tenant_id, user_id, now)
    record_identity_change(uow, DEACTIVATE_USER, ("user", user_id), tenant_id, actor)
    return user


class Administration:
    """User, group and broker-system management in the caller's tenant.

    ``schema`` holds every table, so that deleting a broker system reaches all of its rows;
    components add what ends the broker system's work in other tenants (``end_on_deletion``).
    """

    def __init__(self, authenticator: Authenticator, schema: MetaData) -> None:
        self._authenticator = authenticator
        self._schema = schema
        self.deletion_endings: list[BrokerSystemEnding] = []

    def end_on_deletion(self, ending: BrokerSystemEnding) -> None:
        """Run ``ending`` in every deletion of a broker system, before its rows go."""
        self.deletion_endings.append(ending)

    def create_user(
        self,
        uow: UnitOfWork,
        caller: Principal,
        *,
        login: str,
        display_name: str,
        email: str,
        group_ids: Iterable[str],
        password: str | None,
    ) -> User:
        """Create a user of the caller's tenant, with an initial password or none (invite)."""
        directory = Directory(uow.connection, caller.tenant_id)
        wanted = sorted(set(group_ids))
        caller.require(MANAGE_SUB_USERS)
        if not caller.has(MANAGE_USERS):
            tenant = TenantStore(uow.connection).get(caller.tenant_id)
            for group_id in wanted:
                held = effective_permissions(tenant, directory.group(group_id).permissions)
                _within_reach(caller, held, "groups")
        user = directory.add_user(
            login=login,
            display_name=display_name,
            email=email,
            group_ids=wanted,
            now=uow.clock.now(),
            created_by=caller.user_id,
        )
        record_identity_change(
            uow, CREATE_USER, ("user", user.user_id), caller.tenant_id, caller.user_id,
            groups=wanted, invited=password is None,
        )  # fmt: skip
        if password is not None:
            self._authenticator.set_password(
                uow, caller.tenant_id, user.user_id, password, login=user.login,
                actor=caller.user_id, reason="initial",
            )  # fmt: skip
        return directory.user(user.user_id)

    def users(self, uow: UnitOfWork, caller: Principal) -> list[User]:
        """The users the caller manages."""
        caller.require(MANAGE_SUB_USERS)
        directory = Directory(uow.connection, caller.tenant_id)
        if caller.has(MANAGE_USERS):
            return directory.users()
        return directory.users(created_by=caller.user_id)

    def user(self, uow: UnitOfWork, caller: Principal, user_id: str) -> User:
        """One user the caller manages; others are not found."""
        return self._managed(uow, caller, user_id).user(user_id)

    def deactivate(self, uow: UnitOfWork, caller: Principal, user_id: str) -> User:
        """Deactivate a user: their sessions end and their tokens are revoked at once."""
        self._managed(uow, caller, user_id)
        if user_id == caller.user_id:
            raise Conflict("you cannot deactivate yourself", user_id=user_id)
        return deactivate_user(uow, caller.tenant_id, user_id, caller.user_id)

    def reactivate(self, uow: UnitOfWork, caller: Principal, user_id: str) -> User:
        """Unlock a deactivated user: they may log in again (old sessions stay ended)."""
        directory = self._managed(uow, caller, user_id)
        user = directory.reactivate(user_id)
        record_identity_change(
            uow, REACTIVATE_USER, ("user", user_id), caller.tenant_id, caller.user_id
        )
        return user

    def set_grant(
        self,
        uow: UnitOfWork,
        caller: Principal,
        user_id: str,
        permission: str,
        granted: bool | None,
    ) -> None:
        """Grant or withdraw one permission for one user (None: follow the groups again)."""
        checked_permissions([permission], "permission")
        directory = self._managed(uow, caller, user_id)
        if granted:
            _within_ceiling(uow, caller, frozenset({permission}), "permission")
        if not caller.has(MANAGE_USERS):
            _within_reach(caller, frozenset({permission}), "permission")
        directory.set_grant(user_id, permission, granted)
        record_identity_change(
            uow, SET_GRANT, ("user", user_id), caller.tenant_id, caller.user_id,
            permission=permission, granted=granted,
        )  # fmt: skip

    def end_session(
        self, uow: UnitOfWork, caller: Principal, user_id: str, session_id: str
    ) -> None:
        """End one session of a user the caller manages."""
        self._managed(uow, caller, user_id)
        SessionStore(uow.connection).end(
            caller.tenant_id, session_id, uow.clock.now(), user_id=user_id
        )
        record_identity_change(
            uow, END_SESSION, ("session", session_id), caller.tenant_id, caller.user_id,
            user_id=user_id,
        )  # fmt: skip

    def set_group_permissions(
        self, uow: UnitOfWork, caller: Principal, group_id: str, permissions: Iterable[str]
    ) -> Group:
        """Change what a group of the caller's tenant may do; members feel it at once."""
        caller.require(MANAGE_GROUPS)
        checked = checked_permissions(permissions, "permissions")
        _within_ceiling(uow, caller, checked, "permissions")
        if group_id in caller.groups and MANAGE_GROUPS not in checked:
            raise Conflict(
                f"you would lose {MANAGE_GROUPS} yourself: keep it in your own group",
                group_id=group_id,
            )
        directory = Directory(uow.connection, caller.tenant_id)
        before = sorted(directory.group(group_id).permissions)
        group = directory.set_group_permissions(group_id, checked, uow.clock.now())
        record_identity_change(
            uow, SET_GROUP_PERMISSIONS, ("group", group_id), caller.tenant_id, caller.user_id,
            before={"permissions": before}, permissions=sorted(checked),
        )  # fmt: skip
        return group

    def require_second_factor(
        self, uow: UnitOfWork, caller: Principal, group_id: str, required: bool
    ) -> Group:
        """Require a second factor of a group's members; without one they keep only SIGNED_IN."""
        caller.require(MANAGE_GROUPS)
        directory = Directory(uow.connection, caller.tenant_id)
        before = directory.group(group_id).second_factor_required
        group = directory.set_second_factor_required(group_id, required, uow.clock.now())
        record_identity_change(
            uow, REQUIRE_SECOND_FACTOR, ("group", group_id), caller.tenant_id, caller.user_id,
            before={"second_factor_required": before}, second_factor_required=required,
        )  # fmt: skip
        return group

    def require_second_factor_in_tenant(
        self, uow: UnitOfWork, caller: Principal, required: bool
    ) -> Tenant:
        """Require a second factor of every user of the caller's tenant (or leave it to groups).

        The caller must hold a confirmed second factor first, so that switching it on does not
        take their own administration away.
        """
        caller.require(MANAGE_GROUPS)
        store = TenantStore(uow.connection)
        before = store.get(caller.tenant_id).second_factor_required
        confirmed = SecondFactorStore(uow.connection, caller.tenant_id).confirmed_among(
            [caller.user_id]
        )
        if required and not confirmed:
            raise Conflict(
                "set up your own second factor first: you would lose your permissions",
                field="required",
            )
        tenant = store.require_second_factor(caller.tenant_id, required)
        record_identity_change(
            uow, REQUIRE_SECOND_FACTOR, ("tenant", caller.tenant_id), caller.tenant_id,
            caller.user_id, before={"second_factor_required": before},
            second_factor_required=required,
        )  # fmt: skip
        return tenant

    def reset_second_factor(self, uow: UnitOfWork, caller: Principal, user_id: str) -> None:
        """Remove the second factor of a user the caller manages (a lost device and codes)."""
        self._managed(uow, caller, user_id)
        store = SecondFactorStore(uow.connection, caller.tenant_id)
        if store.enrolment(user_id) is None:
            raise NotFound(f"user {user_id!r} has no second factor", user_id=user_id)
        store.remove(user_id)
        record_identity_change(
            uow, RESET_SECOND_FACTOR, ("user", user_id), caller.tenant_id, caller.user_id
        )

    def set_profile_permissions(
        self, uow: UnitOfWork, caller: Principal, group_id: str, permissions: Iterable[str]
    ) -> GroupProfile:
        """The operator changes what a group profile carries for tenants created from now on."""
        caller.require(MANAGE_TENANTS)
        store = ProfileStore(uow.connection)
        before = sorted(store.profile(group_id).permissions)
        profile = store.set_permissions(
            group_id, frozenset(permissions), uow.clock.now(), caller.user_id
        )
        record_identity_change(
            uow, SET_PROFILE_PERMISSIONS, ("group_profile", group_id), caller.tenant_id,
            caller.user_id, before={"permissions": before},
            permissions=sorted(profile.permissions),
        )  # fmt: skip
        return profile

    def create_broker_system(
        self,
        uow: UnitOfWork,
        caller: Principal,
        *,
        tenant_id: str,
        company_name: str,
        contact_name: str,
        email: str,
        login: str,
        password: str | None,
    ) -> tuple[Tenant, User]:
        """A broker tenant under the caller's, with its first user in the Vermittler group."""
        caller.require(MANAGE_BROKER_SYSTEMS)
        now = uow.clock.now()
        tenant = provision_tenant(
            uow.connection,
            tenant_id,
            company_name,
            TenantKind.BROKER,
            now,
            parent_tenant_id=caller.tenant_id,
        )
        user = Directory(uow.connection, tenant_id).add_user(
            login=login,
            display_name=contact_name,
            email=email,
            group_ids=[BROKERS],
            now=now,
            created_by=caller.user_id,
        )
        record_identity_change(
            uow, CREATE_BROKER_SYSTEM, ("tenant", tenant_id), caller.tenant_id, caller.user_id,
            first_user=user.user_id,
        )  # fmt: skip
        record_identity_change(
            uow, CREATE_USER, ("user", user.user_id), tenant_id, caller.user_id,
            groups=[BROKERS], invited=password is None,
        )  # fmt: skip
        if password is not None:
            self._authenticator.set_password(
                uow, tenant_id, user.user_id, password, login=user.login,
                actor=caller.user_id, reason="initial",
            )  # fmt: skip
        return tenant, Directory(uow.connection, tenant_id).user(user.user_id)

    def broker_systems(self, uow: UnitOfWork, caller: Principal) -> list[Tenant]:
        """The broker systems created under the caller's tenant."""
        caller.require(MANAGE_BROKER_SYSTEMS)
        return TenantStore(uow.connection).list(parent_tenant_id=caller.tenant_id)

    def delete_broker_system(
        self, uow: UnitOfWork, caller: Principal, tenant_id: str, *, as_operator: bool = False
    ) -> DeletedBrokerSystem:
        """Delete a broker system under the caller's tenant (the operator: any) irreversibly."""
        caller.require(MANAGE_TENANTS if as_operator else MANAGE_BROKER_SYSTEMS)
        tenant = broker_system(uow.connection, tenant_id)
        if not as_operator and tenant.parent_tenant_id != caller.tenant_id:
            raise NotFound(f"broker system {tenant_id!r} not found", tenant_id=tenant_id)
        return delete_broker_system(
            uow, self._schema, tenant, actor=caller.user_id, recorded_in=caller.tenant_id,
            endings=self.deletion_endings,
        )  # fmt: skip

    @staticmethod
    def _managed(uow: UnitOfWork, caller: Principal, user_id: str) -> Directory:
        caller.require(MANAGE_SUB_USERS)
        directory = Directory(uow.connection, caller.tenant_id)
        user = directory.user(user_id)
        if caller.has(MANAGE_USERS):
            return directory
        if user.created_by != caller.user_id:  # out of reach: not found, like a foreign one
            raise NotFound(f"user {user_id!r} not found", user_id=user_id)
        return directory


def _within_ceiling(
    uow: UnitOfWork, caller: Principal, permissions: frozenset[str], field: str
) -> None:
    kind = TenantStore(uow.connection).get(caller.tenant_id).kind
    beyond = sorted(permissions - ProfileStore(uow.connection).ceiling(kind))
    if beyond:
        raise InvalidInput(
            f"not available to {kind.value} tenants: {', '.join(beyond)}",
            field=field, unavailable=beyond,
        )  # fmt: skip


def _within_reach(caller: Principal, permissions: frozenset[str], field: str) -> None:
    beyond = sorted(permissions - caller.permissions)
    if beyond:
        raise PermissionDenied(
            f"you can only hand on permissions you hold; missing: {', '.join(beyond)}",
            field=field,
        )
