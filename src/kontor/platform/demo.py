"""Demo tenants and users for development: what a first ``make run`` logs in with."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from kontor.messaging import UnitOfWork
from kontor.platform.administration import provision_tenant
from kontor.platform.authentication import Authenticator
from kontor.platform.directory import Directory
from kontor.platform.permissions import (
    ADMINISTRATORS,
    BROKERS,
    OPERATOR_STAFF,
    UNDERWRITERS,
    TenantKind,
)
from kontor.platform.tenants import TenantStore

OPERATOR, INSURER, BROKER = "betreiber", "versicherer", "makler-demo"
_DEMO_USERS = (
    (OPERATOR, "betrieb@kontor.example", "Betreiber-Support", OPERATOR_STAFF),
    (INSURER, "admin@versicherer.example", "Insa Admin", ADMINISTRATORS),
    (INSURER, "underwriter@versicherer.example", "Uwe Underwriter", UNDERWRITERS),
    (BROKER, "makler@makler-demo.example", "Max Makler", BROKERS),
)


@dataclass(frozen=True)
class DemoLogin:
    """A demo user's login and the password generated for it (shown once)."""

    tenant_id: str
    login: str
    group_id: str
    password: str


def seed_demo(uow: UnitOfWork, authenticator: Authenticator) -> list[DemoLogin]:
    """Create the demo tenants and users unless they exist; the new logins (empty otherwise)."""
    if TenantStore(uow.connection).find(OPERATOR) is not None:
        return []
    now = uow.clock.now()
    provision_tenant(uow.connection, OPERATOR, "Kontor-Betrieb", TenantKind.OPERATOR, now)
    provision_tenant(uow.connection, INSURER, "Demo Versicherung AG", TenantKind.INSURER, now)
    provision_tenant(
        uow.connection, BROKER, "Demo Makler GmbH", TenantKind.BROKER, now, parent_tenant_id=INSURER
    )
    logins = []
    for tenant_id, login, name, group_id in _DEMO_USERS:
        user = Directory(uow.connection, tenant_id).add_user(
            login=login, display_name=name, email=login, group_ids=[group_id], now=now
        )
        password = secrets.token_urlsafe(15)  # 20 characters, 120 random bits
        authenticator.set_password(
            uow, tenant_id, user.user_id, password, login=login, actor=None, reason="initial"
        )
        logins.append(DemoLogin(tenant_id, login, group_id, password))
    uow.commit()
    return logins
