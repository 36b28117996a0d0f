"""Login sessions and personal API tokens: random secrets handed out once, stored as hashes.

Both secrets carry 256 random bits, so a plain SHA-256 is the right hash: nothing can be guessed
that a slow hash would protect, and a lookup stays one indexed read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from kontor.db.fast import FastStatement
from kontor.db.ids import time_ordered_id
from kontor.errors import NotFound
from kontor.platform.tables import api_tokens, sessions

TOKEN_PREFIX = "kontor_pat_"  # noqa: S105 - a prefix that lets secret scanners spot tokens
TOUCH_EVERY = dt.timedelta(minutes=1)
"""The default of how stale ``last_seen_at`` may grow before a request writes it again."""


# read on every request: built once, run without SQLAlchemy's per-call work (kontor.db.fast)
_LIVE_SESSION = FastStatement(
    select(sessions).where(
        sessions.c.secret_hash == bindparam("secret_hash"), sessions.c.ended_at.is_(None)
    )
)
_LIVE_TOKEN = FastStatement(
    select(api_tokens).where(
        api_tokens.c.secret_hash == bindparam("secret_hash"), api_tokens.c.revoked_at.is_(None)
    )
)
_TOUCH_SESSION = FastStatement(
    update(sessions)
    .where(sessions.c.session_id == bindparam("seen_session"))
    .values(last_seen_at=bindparam("now"))
)
_TOUCH_TOKEN = FastStatement(
    update(api_tokens)
    .where(api_tokens.c.token_id == bindparam("used_token"))
    .values(last_used_at=bindparam("now"))
)


def secret_hash(secret: str) -> str:
    """The stored form of a session or token secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    """A login session (the cookie's secret is never kept)."""

    session_id: str
    tenant_id: str
    user_id: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    client_address: str | None
    user_agent: str | None


@dataclass(frozen=True)
class ApiToken:
    """A personal API token (its secret is shown once, at creation)."""

    token_id: str
    tenant_id: str
    user_id: str
    name: str
    permissions: frozenset[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class SessionStore:
    """Login sessions on a unit of work's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def open(
        self,
        tenant_id: str,
        user_id: str,
        now: dt.datetime,
        lifetime: dt.timedelta,
        *,
        client_address: str | None = None,
        user_agent: str | None = None,
    ) -> tuple[Session, str]:
        """A new session and its secret for the cookie (a new one on every login)."""
        secret = secrets.token_urlsafe(32)
        session = Session(
            time_ordered_id(),
            tenant_id,
            user_id,
            now,
            now,
            now + lifetime,
            client_address,
            (user_agent or "")[:300] or None,
        )
        self._connection.execute(
            insert(sessions).values(**session.__dict__, secret_hash=secret_hash(secret))
        )
        return session, secret

    def resolve(self, secret: str, now: dt.datetime, idle: dt.timedelta) -> Session | None:
        """The live session a cookie names, if it has neither ended nor timed out (reads only)."""
        row = _LIVE_SESSION.first_row(self._connection, {"secret_hash": secret_hash(secret)})
        if row is None or now >= row.expires_at or now >= row.last_seen_at + idle:
            return None
        return _session(row)

    def touch(self, session: Session, now: dt.datetime, every: dt.timedelta = TOUCH_EVERY) -> bool:
        """Record activity on ``session`` unless recorded less than ``every`` ago; whether it wrote.

        The idle timeout counts from the recorded time, so a session in use may end up to
        ``every`` earlier than its last request plus the idle timeout.
        """
        if now - session.last_seen_at < every:
            return False
        self._connection.execute(
            update(sessions)
            .where(sessions.c.session_id == session.session_id)
            .values(last_seen_at=now)
        )
        return True

    def touch_id(self, session_id: str, now: dt.datetime) -> None:
        """Record activity on the session ``session_id`` at ``now``."""
        _TOUCH_SESSION.execute(self._connection, {"seen_session": session_id, "now": now})

    def live(self, tenant_id: str, user_id: str, now: dt.datetime) -> list[Session]:
        """A user's sessions that have not ended, newest first."""
        rows = self._connection.execute(
            select(sessions)
            .where(
                sessions.c.tenant_id == tenant_id,
                sessions.c.user_id == user_id,
                sessions.c.ended_at.is_(None),
                sessions.c.expires_at > now,
            )
            .order_by(sessions.c.created_at.desc())
        )
        return [_session(row) for row in rows]

    def end(
        self, tenant_id: str, session_id: str, now: dt.datetime, *, user_id: str | None = None
    ) -> Session:
        """End one live session of the tenant (of ``user_id``); raises ``NotFound`` otherwise."""
        query = select(sessions).where(
            sessions.c.tenant_id == tenant_id,
            sessions.c.session_id == session_id,
            sessions.c.ended_at.is_(None),
        )
        if user_id is not None:
            query = query.where(sessions.c.user_id == user_id)
        row = self._connection.execute(query).one_or_none()
        if row is None:
            raise NotFound(f"session {session_id!r} not found", session_id=session_id)
        self._connection.execute(
            update(sessions).where(sessions.c.session_id == session_id).values(ended_at=now)
        )
        return _session(row)

    def end_all(
        self, tenant_id: str, user_id: str, now: dt.datetime, *, keep: str | None = None
    ) -> int:
        """End every session of a user (but ``keep``); how many ended."""
        condition = (
            (sessions.c.tenant_id == tenant_id)
            & (sessions.c.user_id == user_id)
            & sessions.c.ended_at.is_(None)
        )
        if keep is not None:
            condition &= sessions.c.session_id != keep
        result = self._connection.execute(update(sessions).where(condition).values(ended_at=now))
        return int(result.rowcount)


class TokenStore:
    """Personal API tokens on a unit of work's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def create(
        self,
        tenant_id: str,
        user_id: str,
        name: str,
        permissions: Iterable[str],
        now: dt.datetime,
        expires_at: dt.datetime,
    ) -> tuple[ApiToken, str]:
        """A new token and its secret (shown to the user once)."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token_id = time_ordered_id()
        self._connection.execute(
            insert(api_tokens).values(
                token_id=token_id,
                secret_hash=secret_hash(secret),
                tenant_id=tenant_id,
                user_id=user_id,
                name=name,
                permissions=sorted(set(permissions)),
                created_at=now,
                expires_at=expires_at,
            )
        )
        return self.get(tenant_id, user_id, token_id), secret

    def resolve(self, secret: str, now: dt.datetime) -> ApiToken | None:
        """The token a bearer secret names, if it is neither revoked nor expired (reads only)."""
        row = _LIVE_TOKEN.first_row(self._connection, {"secret_hash": secret_hash(secret)})
        if row is None or now >= row.expires_at:
            return None
        return _token(row)

    def touch(self, token: ApiToken, now: dt.datetime, every: dt.timedelta = TOUCH_EVERY) -> bool:
        """Record the use of ``token`` unless recorded less than ``every`` ago; whether it wrote."""
        if token.last_used_at is not None and now - token.last_used_at < every:
            return False
        self._connection.execute(
            update(api_tokens)
            .where(api_tokens.c.token_id == token.token_id)
            .values(last_used_at=now)
        )
        return True

    def touch_id(self, token_id: str, now: dt.datetime) -> None:
        """Record the use of the token ``token_id`` at ``now``."""
        _TOUCH_TOKEN.execute(self._connection, {"used_token": token_id, "now": now})

    def get(self, tenant_id: str, user_id: str, token_id: str) -> ApiToken:
        """One token of a user; raises ``NotFound`` otherwise."""
        row = self._connection.execute(
            select(api_tokens).where(
                api_tokens.c.tenant_id == tenant_id,
                api_tokens.c.user_id == user_id,
                api_tokens.c.token_id == token_id,
            )
        ).one_or_none()
        if row is None:
            raise NotFound(f"API token {token_id!r} not found", token_id=token_id)
        return _token(row)

    def of_user(self, tenant_id: str, user_id: str) -> list[ApiToken]:
        """A user's tokens, revoked and expired ones included, newest first."""
        rows = self._connection.execute(
            select(api_tokens)
            .where(api_tokens.c.tenant_id == tenant_id, api_tokens.c.user_id == user_id)
            .order_by(api_tokens.c.created_at.desc())
        )
        return [_token(row) for row in rows]

    def revoke(self, tenant_id: str, user_id: str, token_id: str, now: dt.datetime) -> ApiToken:
        """Revoke one token at once."""
        token = self.get(tenant_id, user_id, token_id)
        if token.revoked_at is None:
            self._connection.execute(
                update(api_tokens).where(api_tokens.c.token_id == token_id).values(revoked_at=now)
            )
        return self.get(tenant_id, user_id, token_id)

    def revoke_all(self, tenant_id: str, user_id: str, now: dt.datetime) -> None:
        """Revoke every token of a user."""
        self._connection.execute(
            update(api_tokens)
            .where(
                api_tokens.c.tenant_id == tenant_id,
                api_tokens.c.user_id == user_id,
                api_tokens.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )


def _session(row: Any) -> Session:
    return Session(
        row.session_id,
        row.tenant_id,
        row.user_id,
        row.created_at,
        row.last_seen_at,
        row.expires_at,
        row.client_address,
        row.user_agent,
    )


def _token(row: Any) -> ApiToken:
    return ApiToken(
        row.token_id,
        row.tenant_id,
        row.user_id,
        row.name,
        frozenset(row.permissions),
        row.created_at,
        row.expires_at,
        row.revoked_at,
        row.last_used_at,
    )
