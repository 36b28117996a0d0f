"""Key rotation of secrets at rest: after ``kontor secrets rotate`` the retired key can go."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, insert, select

from kontor.integration.connectors.store import ConnectionStore
from kontor.integration.rotation import rotate_integration_secrets
from kontor.integration.webhooks.subscriptions import SubscriptionDraft, SubscriptionStore
from kontor.integration.webhooks.tables import webhook_endpoints
from kontor.platform import SecretBox, UndecryptableSecret
from kontor.platform.second_factor import rotate_second_factor_seeds
from kontor.platform.second_factor_store import SecondFactorStore
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

OLD, NEW = b"the-old-secret-key", b"the-new-secret-key"
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_rotation_reseals_every_seed_under_the_new_key(engine: Engine) -> None:
    old = SecretBox(OLD, "second-factor")
    with engine.begin() as connection:
        for tenant, user in (("t1", "u1"), ("t2", "u2")):
            sealed = old.encrypt(f"SEED{user}", f"totp:{tenant}:{user}")
            SecondFactorStore(connection, tenant).enrol(user, sealed, NOW)
    rotating = SecretBox(NEW, "second-factor", retired=[OLD])
    with engine.begin() as connection:
        assert rotate_second_factor_seeds(connection, rotating) == 2
    with engine.begin() as connection:
        assert rotate_second_factor_seeds(connection, rotating) == 0  # nothing left to do
        stored = SecondFactorStore(connection, "t2").enrolment("u2")
    assert stored is not None
    assert SecretBox(NEW, "second-factor").decrypt(stored.secret_encrypted, "totp:t2:u2") == (
        "SEEDu2"
    )
    with pytest.raises(UndecryptableSecret):
        old.decrypt(stored.secret_encrypted, "totp:t2:u2")


def test_rotation_reseals_the_integration_credentials_under_the_new_key(engine: Engine) -> None:
    old = SecretBox(OLD, "integration")
    new = SecretBox(NEW, "integration")
    draft = SubscriptionDraft(url="https://receiver.example/hook", event_types=["x"], filter={})
    with engine.begin() as connection:
        ConnectionStore(connection, "t1", old).create(
            "crm", "bearer", {"base_url": "https://crm.example"}, "the-token", NOW
        )
        subscription, signing = SubscriptionStore(connection, "t1", old).create(
            draft, frozenset({"x"}), NOW
        )
        connection.execute(
            insert(webhook_endpoints).values(
                endpoint_id="e1", tenant_id="t1", name="in", scheme="standard",
                signature_header="webhook-signature", tolerance_seconds=300, action="a",
                mapping="m", created_at=NOW,
                secret_encrypted=old.encrypt("endpoint-secret", "webhook-endpoint:e1"),
            )
        )  # fmt: skip
    rotating = SecretBox(NEW, "integration", retired=[OLD])
    expected = {
        "connector_credentials": 1,
        "webhook_endpoint_secrets": 1,
        "webhook_subscription_secrets": 1,
        "bipro_portal_passwords": 0,
    }
    with engine.begin() as connection:
        assert rotate_integration_secrets(connection, rotating) == expected
    with engine.begin() as connection:
        assert set(rotate_integration_secrets(connection, rotating).values()) == {0}
        # the new key alone opens everything
        assert ConnectionStore(connection, "t1", new).credentials("crm").secret == "the-token"
        in_use = SubscriptionStore(connection, "t1", new).secrets_in_use(
            subscription.subscription_id, NOW
        )
        assert in_use == [signing]
        sealed = connection.execute(select(webhook_endpoints.c.secret_encrypted)).scalar_one()
    assert new.decrypt(sealed, "webhook-endpoint:e1") == "endpoint-secret"
    with pytest.raises(UndecryptableSecret):
        old.decrypt(sealed, "webhook-endpoint:e1")
