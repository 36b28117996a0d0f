"""Key rotation of secrets at rest: after ``kontor secrets rotate`` the retired key can go."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

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
