"""Portal passwords at rest: resealed under a new secret key by ``kontor secrets rotate``."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from kontor.errors import Conflict
from kontor.integration.bipro.accesses import AccessDraft, AccessStore, rotate_portal_passwords
from kontor.platform import SecretBox

OLD, NEW = b"the-old-secret-key", b"the-new-secret-key"
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
DRAFT = AccessDraft("Portal", "Beispiel AG", "https://sts.example/sts",
                    "https://sts.example/transfer", "makler", "geheim")  # fmt: skip


def test_rotation_reseals_every_portal_password_under_the_new_key(engine: Engine) -> None:
    with engine.begin() as connection:
        access = AccessStore(connection, "t1", SecretBox(OLD, "integration")).create(
            DRAFT, "u1", NOW
        )
    rotating = SecretBox(NEW, "integration", retired=[OLD])
    with engine.begin() as connection:
        assert rotate_portal_passwords(connection, rotating) == 1
        assert rotate_portal_passwords(connection, rotating) == 0  # nothing left to do
    with engine.begin() as connection:
        _, portal = AccessStore(connection, "t1", SecretBox(NEW, "integration")).portal(
            access.access_id
        )
        assert portal.password == "geheim"
        with pytest.raises(Conflict, match="does not decrypt"):
            AccessStore(connection, "t1", SecretBox(OLD, "integration")).portal(access.access_id)
