"""Uwe, an underwriter of the insurer ``versicherer`` with a password, and a browser-like client:
the setup of the second-factor page and login tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import FakeClock
from kontor.platform import UNDERWRITERS, Directory, TenantKind, provision_tenant
from kontor.settings import Environment, Settings
from kontor.web import create_app

PASSWORD = "ein ziemlich langes Kennwort"
UWE = "uwe@versicherer.example"


def kontor_with_uwe(engine: Engine) -> Kontor:
    """A Kontor on a fake clock whose insurer ``versicherer`` has Uwe with ``PASSWORD``."""
    settings = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests")
    kontor = bootstrap(settings, engine=engine, clock=FakeClock())
    with kontor.bus.unit_of_work() as uow:
        provision_tenant(uow.connection, "versicherer", "V", TenantKind.INSURER, uow.clock.now())
        user = Directory(uow.connection, "versicherer").add_user(
            login=UWE, display_name="Uwe", email=UWE, group_ids=[UNDERWRITERS], now=uow.clock.now()
        )
        kontor.authenticator.set_password(
            uow, "versicherer", user.user_id, PASSWORD, login=UWE, actor=None, reason="initial"
        )
        uow.commit()
    return kontor


@contextmanager
def browser_client(kontor: Kontor) -> Iterator[TestClient]:
    """A client of the whole app over HTTPS (secure cookies) that does not follow redirects."""
    app = create_app(kontor.settings, kontor)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client
