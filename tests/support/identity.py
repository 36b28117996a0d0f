"""Real callers for tests: a tenant, a user in a group and an API token sent as a bearer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from kontor.bootstrap import Kontor
from kontor.platform import (
    OPERATOR_STAFF,
    PERMISSIONS,
    Directory,
    Principal,
    TenantKind,
    TenantStore,
    TokenStore,
    principal_of,
    provision_tenant,
)

TEST_TENANT = "dev"


@dataclass(frozen=True)
class Caller:
    """A signed-in test user: their principal and the headers that authenticate them."""

    principal: Principal
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """The ``Authorization`` header carrying the caller's API token."""
        return {"Authorization": f"Bearer {self.token}"}


def api_caller(
    kontor: Kontor,
    tenant_id: str = TEST_TENANT,
    *,
    kind: TenantKind = TenantKind.OPERATOR,
    group: str = OPERATOR_STAFF,
    login: str | None = None,
    grants: Iterable[str] = (),
) -> Caller:
    """A user of ``tenant_id`` (created with its kind's groups if new) and a token of theirs.

    ``grants`` go to the user beyond the group. The token carries every permission the user
    holds, so requests act exactly as the user.
    """
    with kontor.bus.unit_of_work() as uow:
        now = uow.clock.now()
        if TenantStore(uow.connection).find(tenant_id) is None:
            provision_tenant(uow.connection, tenant_id, f"Test {tenant_id}", kind, now)
        user = Directory(uow.connection, tenant_id).add_user(
            login=login or f"{group}@{tenant_id}.test",
            display_name=f"Test {group}",
            email=f"{group}@{tenant_id}.test",
            group_ids=[group],
            now=now,
        )
        for permission in grants:
            Directory(uow.connection, tenant_id).set_grant(user.user_id, permission, True)
        principal = principal_of(uow.connection, tenant_id, user.user_id)
        assert principal is not None
        _, token = TokenStore(uow.connection).create(
            tenant_id,
            user.user_id,
            "tests",
            principal.permissions,
            now,
            now + dt.timedelta(days=365),
        )
        uow.commit()
    return Caller(principal, token)


def acting(tenant_id: str, user_id: str = "tester") -> Principal:
    """A principal holding every permission, for service-layer tests below the API."""
    return Principal(user_id=user_id, tenant_id=tenant_id, permissions=PERMISSIONS)
