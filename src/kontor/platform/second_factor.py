"""A TOTP second factor (RFC 6238, pyotp): enrol, confirm, verify, recovery codes, disable.

The seed is shown once (as an ``otpauth://`` URI) and stored encrypted; recovery codes are
shown once and stored as Argon2id hashes. Every accepted code records its time step, so a code
cannot be used twice. Failed codes count against the user (and the client address) in the
login throttle; enough of them lock the second step like failed passwords lock the first.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

import pyotp
from sqlalchemy import Connection, select, update

from kontor.errors import Conflict, InvalidInput, NotFound
from kontor.messaging import UnitOfWork
from kontor.platform.directory import Directory
from kontor.platform.encryption import SecretBox
from kontor.platform.errors import LoginLocked
from kontor.platform.identity import Principal
from kontor.platform.identity_audit import (
    CONFIRM_SECOND_FACTOR,
    DISABLE_SECOND_FACTOR,
    ENROL_SECOND_FACTOR,
    NEW_RECOVERY_CODES,
    SECOND_FACTOR_FAILED,
    record_identity_change,
)
from kontor.platform.passwords import PasswordHasher
from kontor.platform.second_factor_store import Enrolment, SecondFactorStore
from kontor.platform.tables import second_factors, users
from kontor.platform.tenants import TenantStore
from kontor.platform.throttle import (
    LoginThrottle,
    ThrottlePolicy,
    account_key,
    address_key,
    second_factor_key,
)

INTERVAL_SECONDS = 30
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 signs, none easily mistaken
RECOVERY_GROUPS = 5  # five groups of four: the first finds the row, the rest is 80 random bits


@dataclass(frozen=True)
class SecondFactorPolicy:
    """The issuer shown in authenticator apps, how long a pending login waits, how many codes."""

    issuer: str = "Kontor"
    challenge_lifetime: dt.timedelta = dt.timedelta(minutes=5)
    recovery_codes: int = 10


@dataclass(frozen=True)
class Enrolled:
    """A new, unconfirmed enrolment: the seed for the authenticator app, shown this once."""

    otpauth_uri: str
    secret: str


@dataclass(frozen=True)
class SecondFactorStatus:
    """Whether the user has a second factor, must have one, and how many recovery codes are left."""

    enabled: bool
    pending_confirmation: bool
    required: bool
    recovery_codes_left: int


class SecondFactors:
    """The TOTP second factor of users, with recovery codes and throttled code checks."""

    def __init__(
        self,
        box: SecretBox,
        hasher: PasswordHasher,
        throttle: ThrottlePolicy,
        policy: SecondFactorPolicy | None = None,
    ) -> None:
        self._box = box
        self._hasher = hasher
        self.throttle = throttle
        self.policy = policy or SecondFactorPolicy()

    # ------------------------------------------------------------ the user's own factor

    def enrol(self, uow: UnitOfWork, caller: Principal, password: str) -> Enrolled:
        """A new seed for the caller (password needed); it counts once confirmed with a code."""
        login = self._check_password(uow, caller, password)
        store = SecondFactorStore(uow.connection, caller.tenant_id)
        existing = store.enrolment(caller.user_id)
        if existing is not None and existing.confirmed_at is not None:
            raise Conflict("a second factor is set up already; disable it first")
        seed = pyotp.random_base32()
        context = _context(caller.tenant_id, caller.user_id)
        store.enrol(caller.user_id, self._box.encrypt(seed, context), uow.clock.now())
        record_identity_change(
            uow, ENROL_SECOND_FACTOR, _entity(caller), caller.tenant_id, caller.user_id
        )
        uri = pyotp.TOTP(seed, interval=INTERVAL_SECONDS).provisioning_uri(
            name=login, issuer_name=self.policy.issuer
        )
        return Enrolled(uri, seed)

    def confirm(self, uow: UnitOfWork, caller: Principal, code: str) -> list[str]:
        """Switch the enrolment on with a first code; the new recovery codes, shown once."""
        store = SecondFactorStore(uow.connection, caller.tenant_id)
        enrolment = store.enrolment(caller.user_id)
        if enrolment is None:
            raise NotFound("no second factor is being set up; enrol first")
        if enrolment.confirmed_at is not None:
            raise Conflict("the second factor is confirmed already")
        self._refuse_locked(uow, caller.user_id, None)
        now = uow.clock.now()
        step = self._totp_step(enrolment, code, now)
        if step is None or not store.accept_step(caller.user_id, step, now):
            self.count_failure(uow, caller.tenant_id, caller.user_id, None)
            uow.commit()  # the failure counts although the request fails
            raise InvalidInput("the code is wrong or was used already", field="code")
        self._forget_failures(uow, caller.user_id)
        codes = self._new_recovery_codes(store, caller.user_id)
        record_identity_change(
            uow, CONFIRM_SECOND_FACTOR, _entity(caller), caller.tenant_id, caller.user_id
        )
        return codes

    def disable(self, uow: UnitOfWork, caller: Principal, password: str, code: str) -> None:
        """Remove the caller's second factor: needs the password and a code (or recovery code)."""
        self._check_password(uow, caller, password)
        store = SecondFactorStore(uow.connection, caller.tenant_id)
        if store.enrolment(caller.user_id) is None:
            raise NotFound("no second factor is set up")
        self.verify_or_count(uow, caller.tenant_id, caller.user_id, code, None)
        store.remove(caller.user_id)
        record_identity_change(
            uow, DISABLE_SECOND_FACTOR, _entity(caller), caller.tenant_id, caller.user_id
        )

    def renew_recovery_codes(self, uow: UnitOfWork, caller: Principal, code: str) -> list[str]:
        """New recovery codes for a code of the second factor; the old ones stop working."""
        self.verify_or_count(uow, caller.tenant_id, caller.user_id, code, None)
        codes = self._new_recovery_codes(
            SecondFactorStore(uow.connection, caller.tenant_id), caller.user_id
        )
        record_identity_change(
            uow, NEW_RECOVERY_CODES, _entity(caller), caller.tenant_id, caller.user_id
        )
        return codes

    def status(self, connection: Connection, caller: Principal) -> SecondFactorStatus:
        """The caller's second factor as the account page shows it.

        ``required``: the tenant or one of the caller's groups requires one; required and not
        enabled means the caller holds only ``platform:account`` until they set one up.
        """
        store = SecondFactorStore(connection, caller.tenant_id)
        enrolment = store.enrolment(caller.user_id)
        enabled = enrolment is not None and enrolment.confirmed_at is not None
        _, by_group = Directory(connection, caller.tenant_id).access_of(caller.user_id)
        required = by_group or TenantStore(connection).get(caller.tenant_id).second_factor_required
        return SecondFactorStatus(
            enabled=enabled,
            pending_confirmation=enrolment is not None and not enabled,
            required=required,
            recovery_codes_left=store.recovery_codes_left(caller.user_id) if enabled else 0,
        )

    # ------------------------------------------------------------ checks at login

    def verify_or_count(
        self, uow: UnitOfWork, tenant_id: str, user_id: str, code: str, address: str | None
    ) -> str:
        """Accept a TOTP or recovery code of a confirmed factor ("totp" | "recovery_code").

        A wrong code is counted and committed before ``InvalidInput`` (field ``code``) is raised;
        a lockout in force raises ``LoginLocked`` without looking at the code.
        """
        self._refuse_locked(uow, user_id, address)
        store = SecondFactorStore(uow.connection, tenant_id)
        enrolment = store.enrolment(user_id)
        kind = None
        if enrolment is not None and enrolment.confirmed_at is not None:
            kind = self._accept(store, enrolment, code, uow.clock.now())
        if kind is None:
            self.count_failure(uow, tenant_id, user_id, address)
            uow.commit()  # the failure counts although the request fails
            raise InvalidInput("the code is wrong or was used already", field="code")
        self._forget_failures(uow, user_id)
        return kind

    def count_failure(
        self, uow: UnitOfWork, tenant_id: str, user_id: str | None, address: str | None
    ) -> None:
        """Count a wrong code against the user and the address, and audit it."""
        keys = {}
        if user_id is not None:
            keys[second_factor_key(user_id)] = self.throttle.account_failures
        if address:
            keys[address_key(address)] = self.throttle.address_failures
        LoginThrottle(uow.connection, self.throttle).failed(keys, uow.clock.now())
        if user_id is not None:
            record_identity_change(uow, SECOND_FACTOR_FAILED, ("user", user_id), tenant_id, None)

    def confirmed(self, connection: Connection, tenant_id: str, user_id: str) -> bool:
        """Whether the user's login needs the second step."""
        return bool(SecondFactorStore(connection, tenant_id).confirmed_among([user_id]))

    # ------------------------------------------------------------ internals

    def _accept(
        self, store: SecondFactorStore, enrolment: Enrolment, code: str, now: dt.datetime
    ) -> str | None:
        cleaned = code.replace(" ", "").replace("-", "").upper()
        if cleaned.isdigit():
            step = self._totp_step(enrolment, cleaned, now)
            if step is not None and store.accept_step(enrolment.user_id, step):
                return "totp"
            return None
        if len(cleaned) != 4 * RECOVERY_GROUPS:
            return None
        prefix = cleaned[:4]
        hashed = store.unused_recovery_hash(enrolment.user_id, prefix)
        matches = self._hasher.verify(cleaned, hashed or self._hasher.dummy_hash)
        if hashed and matches and store.use_recovery_code(enrolment.user_id, prefix, now):
            return "recovery_code"
        return None

    def _totp_step(self, enrolment: Enrolment, code: str, now: dt.datetime) -> int | None:
        """The time step (now, one before or one after) whose code ``code`` is, if any."""
        seed = self._box.decrypt(
            enrolment.secret_encrypted, _context(enrolment.tenant_id, enrolment.user_id)
        )
        totp = pyotp.TOTP(seed, interval=INTERVAL_SECONDS)
        current = int(now.timestamp()) // INTERVAL_SECONDS
        found = None
        for step in (current - 1, current, current + 1):  # every step compared: no timing hint
            if hmac.compare_digest(totp.at(step * INTERVAL_SECONDS), code.strip()):
                found = step
        return found

    def _new_recovery_codes(self, store: SecondFactorStore, user_id: str) -> list[str]:
        codes: dict[str, str] = {}
        while len(codes) < self.policy.recovery_codes:
            code = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(4 * RECOVERY_GROUPS))
            codes.setdefault(code[:4], code)  # prefixes stay unique within a user's set
        store.replace_recovery_codes(
            user_id, {prefix: self._hasher.hash(code) for prefix, code in codes.items()}
        )
        return [
            "-".join(code[i : i + 4] for i in range(0, len(code), 4)) for code in codes.values()
        ]

    def _check_password(self, uow: UnitOfWork, caller: Principal, password: str) -> str:
        row = uow.connection.execute(
            select(users.c.login, users.c.password_hash).where(
                users.c.tenant_id == caller.tenant_id, users.c.user_id == caller.user_id
            )
        ).one()
        login: str = row.login
        throttle = LoginThrottle(uow.connection, self.throttle)
        key = {account_key(login): self.throttle.account_failures}
        if throttle.locked_until(key, uow.clock.now()):
            raise LoginLocked("too many failed logins; try again later")
        hashed = row.password_hash or self._hasher.dummy_hash
        if not (self._hasher.verify(password, hashed) and row.password_hash):
            throttle.failed(key, uow.clock.now())  # counts like a failed login
            uow.commit()
            raise InvalidInput("the password is wrong", field="password")
        return login

    def _refuse_locked(self, uow: UnitOfWork, user_id: str, address: str | None) -> None:
        keys = {second_factor_key(user_id): self.throttle.account_failures}
        if address:
            keys[address_key(address)] = self.throttle.address_failures
        if LoginThrottle(uow.connection, self.throttle).locked_until(keys, uow.clock.now()):
            raise LoginLocked("too many wrong codes; try again later")

    def _forget_failures(self, uow: UnitOfWork, user_id: str) -> None:
        LoginThrottle(uow.connection, self.throttle).succeeded(second_factor_key(user_id))


def rotate_second_factor_seeds(connection: Connection, box: SecretBox) -> int:
    """Seal every TOTP seed still under a retired key anew under the current one; how many."""
    table = second_factors
    rows = connection.execute(
        select(table.c.tenant_id, table.c.user_id, table.c.secret_encrypted)
    ).all()
    return box.reseal_all(
        (((tenant_id, user_id), stored) for tenant_id, user_id, stored in rows),
        lambda key: _context(*key),
        lambda key, fresh: connection.execute(
            update(table)
            .where(table.c.tenant_id == key[0], table.c.user_id == key[1])
            .values(secret_encrypted=fresh)
        ),
    )


def _context(tenant_id: str, user_id: str) -> str:
    return f"totp:{tenant_id}:{user_id}"


def _entity(caller: Principal) -> tuple[str, str]:
    return ("user", caller.user_id)
