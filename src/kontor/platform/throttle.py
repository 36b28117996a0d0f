"""Login throttling: too many failures for one account or from one address lock it for a while.

Keys are hashed, so the table holds no login names or addresses. An unknown login name is
counted like a known one: the answer never tells whether an account exists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import Connection, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from kontor.platform.tables import login_throttle


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures within ``window`` lock an account or an address, and for how long."""

    account_failures: int = 5
    address_failures: int = 50
    window: dt.timedelta = dt.timedelta(minutes=15)
    lockout: dt.timedelta = dt.timedelta(minutes=15)


def account_key(login: str) -> str:
    """The throttle key of a login name."""
    return hashlib.sha256(f"account:{login.strip().casefold()}".encode()).hexdigest()


def second_factor_key(user_id: str) -> str:
    """The throttle key of a user's second-factor codes."""
    return hashlib.sha256(f"second_factor:{user_id}".encode()).hexdigest()


def address_key(address: str) -> str:
    """The throttle key of a client address."""
    return hashlib.sha256(f"address:{address}".encode()).hexdigest()


class LoginThrottle:
    """Counts failed logins per key on a unit of work's connection."""

    def __init__(self, connection: Connection, policy: ThrottlePolicy) -> None:
        self._connection = connection
        self._policy = policy

    def locked_until(self, keys: dict[str, int], now: dt.datetime) -> dt.datetime | None:
        """When the latest lockout among ``keys`` ends, if one is in force."""
        rows = self._connection.execute(
            select(login_throttle.c.locked_until).where(
                login_throttle.c.throttle_key.in_(list(keys)),
                login_throttle.c.locked_until > now,
            )
        )
        ends = [end for (end,) in rows]
        return max(ends) if ends else None

    def failed(self, keys: dict[str, int], now: dt.datetime) -> None:
        """Count a failure for each key (mapped to its limit); lock the keys that reach it.

        One upsert and one conditional update per key, so concurrent failures all count and
        never collide on the key (the update's row lock orders them).
        """
        dialect_insert = (
            postgresql.insert if self._connection.dialect.name == "postgresql" else sqlite.insert
        )
        window_start = now - self._policy.window
        table = login_throttle
        for key, limit in keys.items():
            self._connection.execute(
                dialect_insert(table)
                .values(throttle_key=key, failures=0, first_failure_at=now)
                .on_conflict_do_nothing(index_elements=["throttle_key"])
            )
            stale = table.c.first_failure_at <= window_start  # an old window starts afresh
            failures = self._connection.execute(
                update(table)
                .where(table.c.throttle_key == key)
                .values(
                    failures=case((stale, 1), else_=table.c.failures + 1),
                    first_failure_at=case((stale, now), else_=table.c.first_failure_at),
                )
                .returning(table.c.failures)
            ).scalar_one()
            if failures >= limit:
                self._connection.execute(
                    update(table)
                    .where(table.c.throttle_key == key)
                    .values(
                        locked_until=now + self._policy.lockout, failures=0, first_failure_at=now
                    )
                )

    def succeeded(self, key: str) -> None:
        """Forget the failures of ``key`` after a successful login."""
        self._connection.execute(delete(login_throttle).where(login_throttle.c.throttle_key == key))

    def keys(self, login: str, address: str | None) -> dict[str, int]:
        """The keys a login attempt counts against, each with its limit."""
        keys = {account_key(login): self._policy.account_failures}
        if address:
            keys[address_key(address)] = self._policy.address_failures
        return keys
