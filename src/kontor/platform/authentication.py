"""Login, sessions and API tokens turned into principals.

Unknown login names and wrong passwords take one path: a hash is verified either way (a dummy
one for unknown or unusable accounts), the failure is counted, and the answer is the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select

from kontor.db import reading
from kontor.db.fast import FastStatement
from kontor.errors import InvalidInput
from kontor.messaging import ChangeLog, Clock, UnitOfWork
from kontor.platform.credentials import (
    TOUCH_EVERY,
    ApiToken,
    Session,
    SessionStore,
    TokenStore,
    secret_hash,
)
from kontor.platform.directory import Directory, User
from kontor.platform.errors import (
    LoginFailed,
    LoginLocked,
    PasswordExpired,
    SecondFactorFailed,
)
from kontor.platform.expiry import ExpiryPolicy, expires_at
from kontor.platform.identity import Principal
from kontor.platform.identity_audit import (
    CREATE_TOKEN,
    END_SESSION,
    LOGIN,
    LOGIN_FAILED,
    REVOKE_TOKEN,
    SET_PASSWORD,
    record_identity_change,
)
from kontor.platform.passwords import PasswordHasher, check_password_policy
from kontor.platform.permissions import MANAGE_BROKER_SYSTEMS, TenantKind, checked_permissions
from kontor.platform.principal_cache import PrincipalCache
from kontor.platform.principal_lookup import (
    Found,
    principal_from,
    session_lookup,
    token_lookup,
)
from kontor.platform.second_factor import SecondFactors
from kontor.platform.second_factor_store import SecondFactorStore, find_challenge
from kontor.platform.tables import users
from kontor.platform.tenants import Tenant, tenants
from kontor.platform.throttle import LoginThrottle, ThrottlePolicy, account_key


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives without requests (idle) and at most (absolute).

    ``touch_every``: how stale a session's last-seen time (a token's last use) may grow before a
    request writes it again; the idle timeout counts from the written time.
    """

    idle: dt.timedelta = dt.timedelta(minutes=30)
    absolute: dt.timedelta = dt.timedelta(hours=12)
    token_max_lifetime: dt.timedelta = dt.timedelta(days=365)
    touch_every: dt.timedelta = TOUCH_EVERY


@dataclass(frozen=True)
class SecondFactorPending:
    """The password was right; the login waits for a code (send ``challenge`` with it)."""

    challenge: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class LoggedIn:
    """A successful login: the new session, its cookie secret and the user.

    ``second_factor_setup_required``: the tenant or a group requires a second factor the user
    has not set up; until they do, they hold only ``platform:account``.
    """

    session: Session
    secret: str
    user: User
    second_factor_setup_required: bool = False


class Authenticator:
    """Checks passwords, opens sessions and resolves session cookies and bearer tokens.

    Logins of known users (successful or not) go to ``change_log`` (the audit log), if any.
    """

    def __init__(
        self,
        hasher: PasswordHasher | None = None,
        sessions: SessionPolicy | None = None,
        throttle: ThrottlePolicy | None = None,
        expiry: ExpiryPolicy | None = None,
        change_log: ChangeLog | None = None,
        second_factors: SecondFactors | None = None,
    ) -> None:
        self.hasher = hasher or PasswordHasher()
        self.second_factors = second_factors
        self.sessions = sessions or SessionPolicy()
        self.throttle = throttle or ThrottlePolicy()
        self.expiry = expiry or ExpiryPolicy()
        self._change_log = change_log
        self.cache: PrincipalCache | None = None
        """Recently seen credentials (PostgreSQL, while listening for changes); None: none."""

    def login(
        self,
        engine: Engine,
        clock: Clock,
        login: str,
        password: str,
        *,
        client_address: str | None = None,
        user_agent: str | None = None,
    ) -> LoggedIn | SecondFactorPending:
        """Open a new session for a login name and password; a failure is counted and committed.

        A user with a second factor gets a pending login instead, finished by ``complete_login``.

        The hash is verified with no transaction open: on SQLite a writing transaction holds the
        database's write lock, and Argon2id takes a noticeable fraction of a second.
        """
        now = clock.now()
        with reading(engine) as connection:
            throttle = LoginThrottle(connection, self.throttle)
            keys = throttle.keys(login, client_address)
            locked = throttle.locked_until(keys, now) is not None
            row = connection.execute(
                select(users)
                .join(tenants, tenants.c.tenant_id == users.c.tenant_id)
                .where(users.c.login == login.strip().casefold())
            ).one_or_none()
        if locked:
            raise LoginLocked("too many failed logins; try again later")
        usable = row is not None and row.active and row.password_hash is not None
        hashed = row.password_hash if usable and row is not None else self.hasher.dummy_hash
        matches = self.hasher.verify(password, hashed)
        with UnitOfWork(engine, clock, change_log=self._change_log) as uow:
            throttle = LoginThrottle(uow.connection, self.throttle)
            if not (usable and matches and row is not None):
                throttle.failed(keys, now)
                if row is not None:  # an unknown login name belongs to no tenant's log
                    entity = ("user", row.user_id)
                    record_identity_change(uow, LOGIN_FAILED, entity, row.tenant_id, None)
                uow.commit()
                raise LoginFailed("login name or password is wrong")
            throttle.succeeded(account_key(login))
            ends = expires_at(self.expiry, row.password_changed_at, row.password_expires)
            if ends is not None and now >= ends:
                record_identity_change(
                    uow, LOGIN_FAILED, ("user", row.user_id), row.tenant_id, None,
                    reason="password_expired",
                )  # fmt: skip
                uow.commit()
                raise PasswordExpired(
                    "your password has expired; ask for a reset code: POST /api/auth/password-reset"
                )
            factors = self.second_factors
            if factors is not None and factors.confirmed(
                uow.connection, row.tenant_id, row.user_id
            ):
                challenge, challenge_secret = SecondFactorStore(
                    uow.connection, row.tenant_id
                ).open_challenge(row.user_id, now, factors.policy.challenge_lifetime)
                uow.commit()
                return SecondFactorPending(challenge_secret, challenge.expires_at)
            logged_in = self._open_session(uow, row.tenant_id, row.user_id, client_address,
                                           user_agent)  # fmt: skip
            uow.commit()
        return logged_in

    def complete_login(
        self,
        engine: Engine,
        clock: Clock,
        challenge_secret: str,
        code: str,
        *,
        client_address: str | None = None,
        user_agent: str | None = None,
    ) -> LoggedIn:
        """The second step of a login: a TOTP or recovery code for a pending login.

        Wrong codes are counted against the user and the address, and committed.
        """
        factors = self.second_factors
        if factors is None:
            raise SecondFactorFailed("second factors are not in use")
        now = clock.now()
        with UnitOfWork(engine, clock, change_log=self._change_log) as uow:
            challenge = find_challenge(uow.connection, challenge_secret, now)
            if challenge is None:
                factors.count_failure(uow, "", None, client_address)
                uow.commit()
                raise SecondFactorFailed("this login is unknown or has expired; log in again")
            try:
                method = factors.verify_or_count(
                    uow, challenge.tenant_id, challenge.user_id, code, client_address
                )
            except InvalidInput as wrong:
                raise SecondFactorFailed("the code is wrong or was used already") from wrong
            store = SecondFactorStore(uow.connection, challenge.tenant_id)
            active = principal_of(uow.connection, challenge.tenant_id, challenge.user_id)
            if active is None or not store.close_challenge(challenge.challenge_id, now):
                raise SecondFactorFailed("this login is unknown or has expired; log in again")
            logged_in = self._open_session(
                uow, challenge.tenant_id, challenge.user_id, client_address, user_agent,
                second_factor=method,
            )  # fmt: skip
            uow.commit()
        return logged_in

    def _open_session(
        self,
        uow: UnitOfWork,
        tenant_id: str,
        user_id: str,
        client_address: str | None,
        user_agent: str | None,
        *,
        second_factor: str | None = None,
    ) -> LoggedIn:
        session, secret = SessionStore(uow.connection).open(
            tenant_id,
            user_id,
            uow.clock.now(),
            self.sessions.absolute,
            client_address=client_address,
            user_agent=user_agent,
        )
        user = Directory(uow.connection, tenant_id).user(user_id)
        record_identity_change(
            uow, LOGIN, ("user", user_id), tenant_id, user_id,
            session_id=session.session_id, **_second_factor_audited(second_factor),
        )  # fmt: skip
        factors = self.second_factors
        status = (
            None
            if factors is None
            else factors.status(uow.connection, Principal(user_id, tenant_id))
        )
        setup_required = status is not None and status.required and not status.enabled
        return LoggedIn(session, secret, user, setup_required)

    def session_principal(self, engine: Engine, clock: Clock, secret: str) -> Principal | None:
        """The principal of a live session cookie, if the user and tenant are still there."""
        now = clock.now()
        hashed = secret_hash(secret)
        found = self._found(engine, hashed, session_lookup)
        if found is None or found.seen_at is None:
            return None
        if now >= found.expires_at or now >= found.seen_at + self.sessions.idle:
            return None
        if self._touch_due(found.seen_at, now):
            with UnitOfWork(engine, clock) as uow:  # the write lock only when it is due
                SessionStore(uow.connection).touch_id(found.credential_id, now)
                uow.commit()
            self._seen(hashed, found, now)
        return found.principal

    def token_principal(self, engine: Engine, clock: Clock, secret: str) -> Principal | None:
        """The principal of a bearer token: the user's permissions within the token's scope."""
        now = clock.now()
        hashed = secret_hash(secret)
        found = self._found(engine, hashed, token_lookup)
        if found is None or now >= found.expires_at:
            return None
        if self._touch_due(found.seen_at, now):
            with UnitOfWork(engine, clock) as uow:  # the write lock only when it is due
                TokenStore(uow.connection).touch_id(found.credential_id, now)
                uow.commit()
            self._seen(hashed, found, now)
        return found.principal

    def _found(
        self, engine: Engine, hashed: str, lookup: Callable[[Engine, str], Found | None]
    ) -> Found | None:
        cache = self.cache
        if cache is None:
            return lookup(engine, hashed)
        found = cache.get(hashed)
        if found is None:
            epoch = cache.epoch  # a change committed during the lookup keeps it out
            found = lookup(engine, hashed)
            if found is not None:
                cache.put(hashed, found, epoch)
        return found

    def _seen(self, hashed: str, found: Found, now: dt.datetime) -> None:
        if self.cache is not None:
            self.cache.seen(hashed, replace(found, seen_at=now))

    def _touch_due(self, last: dt.datetime | None, now: dt.datetime) -> bool:
        return last is None or now - last >= self.sessions.touch_every

    def change_password(self, uow: UnitOfWork, caller: Principal, current: str, new: str) -> int:
        """Change the caller's own password; ends their other sessions (how many ended)."""
        now = uow.clock.now()
        row = uow.connection.execute(
            select(users.c.login, users.c.password_hash).where(
                users.c.tenant_id == caller.tenant_id, users.c.user_id == caller.user_id
            )
        ).one()
        hashed = row.password_hash or self.hasher.dummy_hash
        if not (self.hasher.verify(current, hashed) and row.password_hash):
            raise InvalidInput("the current password is wrong", field="current_password")
        self.set_password(
            uow,
            caller.tenant_id,
            caller.user_id,
            new,
            login=row.login,
            actor=caller.user_id,
            reason="changed",
        )
        return SessionStore(uow.connection).end_all(
            caller.tenant_id, caller.user_id, now, keep=caller.session_id
        )

    def set_password(
        self,
        uow: UnitOfWork,
        tenant_id: str,
        user_id: str,
        password: str,
        *,
        login: str,
        actor: str | None,
        reason: str,
    ) -> None:
        """Check ``password`` against the policy and store its hash; ``reason`` is audited."""
        check_password_policy(password, login=login)
        Directory(uow.connection, tenant_id).set_password_hash(
            user_id, self.hasher.hash(password), uow.clock.now()
        )
        record_identity_change(
            uow, SET_PASSWORD, ("user", user_id), tenant_id, actor, reason=reason
        )

    def create_token(
        self,
        uow: UnitOfWork,
        caller: Principal,
        name: str,
        permissions: list[str],
        expires_at: dt.datetime,
    ) -> tuple[ApiToken, str]:
        """A personal API token of the caller, scoped to permissions the caller holds."""
        now = uow.clock.now()
        scope = checked_permissions(permissions, "permissions")
        beyond = sorted(scope - caller.permissions)
        if beyond:
            raise InvalidInput(
                f"a token cannot carry permissions you lack: {', '.join(beyond)}",
                field="permissions",
            )
        if not now < expires_at <= now + self.sessions.token_max_lifetime:
            days = self.sessions.token_max_lifetime.days
            raise InvalidInput(
                f"a token must expire in the future and within {days} days", field="expires_at"
            )
        token, secret = TokenStore(uow.connection).create(
            caller.tenant_id, caller.user_id, name, scope, now, expires_at
        )
        record_identity_change(
            uow, CREATE_TOKEN, ("api_token", token.token_id), caller.tenant_id, caller.user_id,
            permissions=sorted(scope), expires_at=expires_at.isoformat(),
        )  # fmt: skip
        return token, secret

    def revoke_token(self, uow: UnitOfWork, caller: Principal, token_id: str) -> ApiToken:
        """Revoke one of the caller's API tokens at once."""
        token = TokenStore(uow.connection).revoke(
            caller.tenant_id, caller.user_id, token_id, uow.clock.now()
        )
        record_identity_change(
            uow, REVOKE_TOKEN, ("api_token", token_id), caller.tenant_id, caller.user_id
        )
        return token

    def end_session(self, uow: UnitOfWork, caller: Principal, session_id: str) -> None:
        """End one of the caller's sessions (logout: the current one)."""
        SessionStore(uow.connection).end(
            caller.tenant_id, session_id, uow.clock.now(), user_id=caller.user_id
        )
        record_identity_change(
            uow, END_SESSION, ("session", session_id), caller.tenant_id, caller.user_id,
            user_id=caller.user_id,
        )  # fmt: skip


def _second_factor_audited(method: str | None) -> dict[str, Any]:
    return {} if method is None else {"second_factor": method}


def effective_permissions(tenant: Tenant, permissions: frozenset[str]) -> frozenset[str]:
    """What ``permissions`` allow in ``tenant``: broker systems only where the operator allows."""
    if tenant.kind is TenantKind.BROKER and not tenant.allows_sub_brokers:
        return permissions - {MANAGE_BROKER_SYSTEMS}
    return permissions


_TENANT_AND_USER = FastStatement(
    select(
        tenants.c.kind,
        tenants.c.allows_sub_brokers,
        tenants.c.second_factor_required,
        users.c.active,
    )
    .join(tenants, tenants.c.tenant_id == users.c.tenant_id)
    .where(users.c.tenant_id == bindparam("tenant_id"), users.c.user_id == bindparam("user_id"))
)


def principal_of(
    connection: Connection,
    tenant_id: str,
    user_id: str,
    *,
    session_id: str | None = None,
    scope: frozenset[str] | None = None,
) -> Principal | None:
    """The principal of an active user of an existing tenant, or None.

    Group changes count at once because they are read here (and by the lookup of a request's
    credential), every time. Where the tenant or a group requires a second factor the user has
    not confirmed, they hold only ``platform:account`` until they do.
    """
    row = _TENANT_AND_USER.first_row(connection, {"tenant_id": tenant_id, "user_id": user_id})
    if row is None or not row.active:
        return None
    return principal_from(
        tenant_id,
        user_id,
        Directory(connection, tenant_id).membership_of(user_id),
        kind=TenantKind(row.kind),
        allows_sub_brokers=bool(row.allows_sub_brokers),
        tenant_requires=bool(row.second_factor_required),
        confirmed=bool(SecondFactorStore(connection, tenant_id).confirmed_among([user_id])),
        session_id=session_id,
        scope=scope,
    )
