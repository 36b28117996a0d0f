"""Settings refuse unsafe defaults and mask secrets; principals check permissions."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kontor.errors import PermissionDenied
from kontor.platform import Principal
from kontor.settings import Environment, Settings, mask_url_password


def test_default_secret_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="KONTOR_SECRET_KEY"):
        Settings(environment=Environment.PRODUCTION)
    assert Settings(environment=Environment.PRODUCTION, secret_key="s3cret-of-our-own")


def test_masked_settings_hide_secrets_and_passwords() -> None:
    settings = Settings(
        secret_key="top-secret",
        database_url="postgresql://kontor:pw123@db:5432/kontor",
        broker_url="amqp://guest:guest@mq:5672/",
    )
    shown = str(settings.masked())
    assert "top-secret" not in shown
    assert "pw123" not in shown
    assert "guest:guest" not in shown
    assert settings.masked()["database_url"] == "postgresql://kontor:********@db:5432/kontor"
    with_smtp = Settings(smtp_host="mail.example", smtp_password="smtp-secret").masked()
    assert "smtp-secret" not in str(with_smtp)


def test_embedded_defaults() -> None:
    settings = Settings()
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.effective_database_url.endswith("var/kontor.db")
    assert not settings.uses_rabbitmq
    assert Settings(broker_url="amqp://localhost/").uses_rabbitmq


def test_url_without_password_is_unchanged() -> None:
    assert mask_url_password("sqlite:///var/kontor.db") == "sqlite:///var/kontor.db"
    assert mask_url_password("amqp://user@host/") == "amqp://user@host/"


def test_principal_permissions() -> None:
    clerk = Principal("u1", "makler-a", permissions=frozenset({"tasks:read"}))
    assert clerk.has("tasks:read")
    with pytest.raises(PermissionDenied) as caught:
        clerk.require("tasks:assign")
    assert caught.value.details["permission"] == "tasks:assign"
    assert not Principal("u2", "makler-a", permissions=frozenset({"*"})).has("tasks:read")


def test_insecure_cookie_only_for_local_development() -> None:
    assert not Settings(session_cookie_secure=False).session_cookie_secure
    with pytest.raises(ValidationError, match="KONTOR_SESSION_COOKIE_SECURE"):
        Settings(session_cookie_secure=False, host="0.0.0.0")
    with pytest.raises(ValidationError, match="KONTOR_SESSION_COOKIE_SECURE"):
        Settings(
            environment=Environment.PRODUCTION, secret_key="s3cret", session_cookie_secure=False
        )


def test_a_touch_interval_as_long_as_the_idle_timeout_is_refused() -> None:
    with pytest.raises(ValueError, match="KONTOR_SESSION_TOUCH_SECONDS"):
        Settings(session_idle_minutes=5, session_touch_seconds=300)
