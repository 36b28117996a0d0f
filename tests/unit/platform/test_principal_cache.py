"""The principal cache: what it keeps, when it forgets, which statements count as changes."""

from __future__ import annotations

import datetime as dt

import pytest

from kontor.platform import Principal
from kontor.platform.principal_cache import PrincipalCache, changes_principals
from kontor.platform.principal_lookup import Found

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


def found(credential_id: str = "s1", seen_at: dt.datetime = NOW) -> Found:
    principal = Principal(user_id="u1", tenant_id="t1", permissions=frozenset({"a:use"}))
    return Found(credential_id, NOW + dt.timedelta(hours=1), seen_at, principal)


def listening_cache(**limits: float) -> PrincipalCache:
    cache = PrincipalCache(**limits)  # type: ignore[arg-type]
    cache.listening()
    return cache


def test_a_kept_lookup_answers_until_anything_changes() -> None:
    cache = listening_cache()
    cache.put("hash", found(), cache.epoch)
    assert cache.get("hash") == found()
    cache.clear()
    assert cache.get("hash") is None
    assert (cache.hits, cache.misses) == (1, 1)


def test_a_lookup_that_a_change_overtook_is_not_kept() -> None:
    cache = listening_cache()
    epoch = cache.epoch  # taken before reading the database
    cache.clear()  # a change committed meanwhile
    cache.put("hash", found(), epoch)
    assert cache.get("hash") is None


def test_it_answers_only_while_its_process_listens_for_changes() -> None:
    cache = PrincipalCache()
    cache.put("hash", found(), cache.epoch)
    assert cache.get("hash") is None
    assert not cache.answering
    cache.listening()
    cache.put("hash", found(), cache.epoch)
    assert cache.get("hash") is not None
    cache.deaf()  # the listener lost its connection: changes could go unheard
    assert cache.get("hash") is None
    cache.listening()
    assert cache.get("hash") is None  # nothing from before survives


def test_entries_age_out_and_the_oldest_goes_when_full() -> None:
    cache = listening_cache(capacity=2)
    for key in ("a", "b", "c"):
        cache.put(key, found(key), cache.epoch)
    assert cache.get("a") is None
    assert cache.get("b") is not None
    assert cache.get("c") is not None
    aged = listening_cache(max_age_seconds=0.0)
    aged.put("a", found(), aged.epoch)
    assert aged.get("a") is None


def test_a_new_last_seen_time_replaces_the_kept_one() -> None:
    cache = listening_cache()
    cache.put("hash", found(), cache.epoch)
    later = NOW + dt.timedelta(minutes=5)
    cache.seen("hash", found(seen_at=later))
    kept = cache.get("hash")
    assert kept is not None
    assert kept.seen_at == later
    cache.seen("other", found(seen_at=later))  # nothing kept: nothing to update
    assert cache.get("other") is None


@pytest.mark.parametrize(
    ("statement", "changes"),
    [
        (
            "UPDATE platform_sessions SET ended_at=%(ended_at)s WHERE x",
            True,
        ),
        (
            "UPDATE platform_sessions SET last_seen_at=%(now)s WHERE x",
            False,
        ),
        (
            "UPDATE platform_api_tokens SET last_used_at=%(now)s WHERE x",
            False,
        ),
        (
            "UPDATE platform_api_tokens SET revoked_at=%(now)s WHERE x",
            True,
        ),
        ('UPDATE "t_1"."platform_groups" SET permissions=%(p)s, updated_at=%(u)s WHERE x', True),
        ("UPDATE platform_users SET active=%(active)s WHERE platform_users.user_id = %(u)s", True),
        ("DELETE FROM platform_users WHERE platform_users.tenant_id IN (%(t)s)", True),
        ("INSERT INTO platform_memberships (tenant_id, user_id, group_id) VALUES (1, 2, 3)", True),
        ("INSERT INTO platform_grants (tenant_id, user_id, permission) VALUES (1, 2, 3)", True),
        ("INSERT INTO platform_second_factors (tenant_id) VALUES (1)", True),
        ("INSERT INTO platform_sessions (session_id) VALUES (%(s)s)", False),
        ("INSERT INTO platform_users (user_id) VALUES (%(u)s)", False),
        ("TRUNCATE TABLE tenants", True),
        ("SELECT * FROM users", False),
        ("UPDATE user_settings SET value=1", False),
        ("INSERT INTO audit_entries (entry_id) VALUES (1)", False),
    ],
)
def test_which_statements_change_a_principal(statement: str, changes: bool) -> None:
    assert changes_principals(statement) is changes
