"""SQL for second factors: a user's TOTP enrolment, recovery codes and pending logins."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select, update

from kontor.db.ids import time_ordered_id
from kontor.platform.credentials import secret_hash
from kontor.platform.tables import login_challenges, recovery_codes, second_factors


@dataclass(frozen=True)
class Enrolment:
    """A user's TOTP second factor (the seed stays encrypted)."""

    tenant_id: str
    user_id: str
    secret_encrypted: str
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    last_step: int | None


@dataclass(frozen=True)
class Challenge:
    """A login whose password was right, waiting for the second factor."""

    challenge_id: str
    tenant_id: str
    user_id: str
    expires_at: dt.datetime


class SecondFactorStore:
    """Enrolments, recovery codes and login challenges on a unit of work's connection."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self.tenant_id = tenant_id

    def enrolment(self, user_id: str) -> Enrolment | None:
        """The user's enrolment, confirmed or not."""
        row = self._connection.execute(
            select(second_factors).where(
                second_factors.c.tenant_id == self.tenant_id,
                second_factors.c.user_id == user_id,
            )
        ).one_or_none()
        if row is None:
            return None
        return Enrolment(
            row.tenant_id,
            row.user_id,
            row.secret_encrypted,
            row.created_at,
            row.confirmed_at,
            row.last_step,
        )

    def enrol(self, user_id: str, secret_encrypted: str, now: dt.datetime) -> None:
        """Start an unconfirmed enrolment with a new seed (replacing an unconfirmed one)."""
        self.remove(user_id)
        self._connection.execute(
            insert(second_factors).values(
                tenant_id=self.tenant_id,
                user_id=user_id,
                secret_encrypted=secret_encrypted,
                created_at=now,
            )
        )

    def accept_step(self, user_id: str, step: int, now: dt.datetime | None = None) -> bool:
        """Record ``step`` as used (and confirm at ``now``); False if it or a later one was used.

        A conditional update, so two requests with the same code cannot both pass.
        """
        values: dict[str, object] = {"last_step": step}
        if now is not None:
            values["confirmed_at"] = now
        result = self._connection.execute(
            update(second_factors)
            .where(
                second_factors.c.tenant_id == self.tenant_id,
                second_factors.c.user_id == user_id,
                second_factors.c.last_step.is_(None) | (second_factors.c.last_step < step),
            )
            .values(**values)
        )
        return bool(result.rowcount)

    def remove(self, user_id: str) -> None:
        """Remove the user's enrolment and recovery codes."""
        for table in (second_factors, recovery_codes):
            self._connection.execute(
                delete(table).where(table.c.tenant_id == self.tenant_id, table.c.user_id == user_id)
            )

    def confirmed_among(self, user_ids: Iterable[str]) -> frozenset[str]:
        """Which of ``user_ids`` hold a confirmed second factor."""
        rows = self._connection.execute(
            select(second_factors.c.user_id).where(
                second_factors.c.tenant_id == self.tenant_id,
                second_factors.c.user_id.in_(list(user_ids)),
                second_factors.c.confirmed_at.is_not(None),
            )
        )
        return frozenset(rows.scalars())

    # ------------------------------------------------------------ recovery codes

    def replace_recovery_codes(self, user_id: str, hashed: dict[str, str]) -> None:
        """Store new recovery codes (prefix → hash); the old ones stop working."""
        self._connection.execute(
            delete(recovery_codes).where(
                recovery_codes.c.tenant_id == self.tenant_id, recovery_codes.c.user_id == user_id
            )
        )
        self._connection.execute(
            insert(recovery_codes),
            [
                {
                    "tenant_id": self.tenant_id,
                    "user_id": user_id,
                    "code_prefix": prefix,
                    "code_hash": code_hash,
                }
                for prefix, code_hash in hashed.items()
            ],
        )

    def unused_recovery_hash(self, user_id: str, prefix: str) -> str | None:
        """The hash of the unused recovery code starting with ``prefix``, if there is one."""
        value: str | None = self._connection.execute(
            select(recovery_codes.c.code_hash).where(
                recovery_codes.c.tenant_id == self.tenant_id,
                recovery_codes.c.user_id == user_id,
                recovery_codes.c.code_prefix == prefix,
                recovery_codes.c.used_at.is_(None),
            )
        ).scalar_one_or_none()
        return value

    def use_recovery_code(self, user_id: str, prefix: str, now: dt.datetime) -> bool:
        """Mark a recovery code used; False if another request used it first."""
        result = self._connection.execute(
            update(recovery_codes)
            .where(
                recovery_codes.c.tenant_id == self.tenant_id,
                recovery_codes.c.user_id == user_id,
                recovery_codes.c.code_prefix == prefix,
                recovery_codes.c.used_at.is_(None),
            )
            .values(used_at=now)
        )
        return bool(result.rowcount)

    def recovery_codes_left(self, user_id: str) -> int:
        """How many unused recovery codes the user has."""
        count: int = self._connection.execute(
            select(func.count()).where(
                recovery_codes.c.tenant_id == self.tenant_id,
                recovery_codes.c.user_id == user_id,
                recovery_codes.c.used_at.is_(None),
            )
        ).scalar_one()
        return count

    # ------------------------------------------------------------ pending logins

    def open_challenge(
        self, user_id: str, now: dt.datetime, lifetime: dt.timedelta
    ) -> tuple[Challenge, str]:
        """A pending login and its secret for the client (256 random bits, stored hashed)."""
        secret = secrets.token_urlsafe(32)
        challenge = Challenge(time_ordered_id(), self.tenant_id, user_id, now + lifetime)
        self._connection.execute(
            insert(login_challenges).values(
                challenge_id=challenge.challenge_id,
                secret_hash=secret_hash(secret),
                tenant_id=self.tenant_id,
                user_id=user_id,
                created_at=now,
                expires_at=challenge.expires_at,
            )
        )
        return challenge, secret

    def close_challenge(self, challenge_id: str, now: dt.datetime) -> bool:
        """Mark a pending login done; False if another request finished it first."""
        result = self._connection.execute(
            update(login_challenges)
            .where(
                login_challenges.c.challenge_id == challenge_id,
                login_challenges.c.used_at.is_(None),
            )
            .values(used_at=now)
        )
        return bool(result.rowcount)


def find_challenge(connection: Connection, secret: str, now: dt.datetime) -> Challenge | None:
    """The open, unexpired pending login a client's secret names (any tenant)."""
    row = connection.execute(
        select(login_challenges).where(
            login_challenges.c.secret_hash == secret_hash(secret),
            login_challenges.c.used_at.is_(None),
        )
    ).one_or_none()
    if row is None or now >= row.expires_at:
        return None
    return Challenge(row.challenge_id, row.tenant_id, row.user_id, row.expires_at)
