"""Invitations and password resets: single-use, expiring codes sent by e-mail.

The code travels only in the e-mail; the table keeps its hash. A new code of the same
purpose voids the older ones; setting the password with a code ends every session of the
user, and every password change is confirmed by an e-mail.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select, update

from kontor.db.ids import time_ordered_id
from kontor.errors import InvalidInput
from kontor.messaging import UnitOfWork
from kontor.platform.authentication import Authenticator
from kontor.platform.credentials import SessionStore, secret_hash
from kontor.platform.directory import Directory, User, find_user
from kontor.platform.mail import Mail
from kontor.platform.tables import password_links
from kontor.platform.tenants import TenantStore

INVITATION, RESET = "invitation", "reset"
SET_PASSWORD_PAGE = "/password"  # noqa: S105 - a page path, not a password
"""The web UI's page that sets a password from a link's code (``?code=…``)."""


@dataclass(frozen=True)
class RecoveryPolicy:
    """Where links point and how long they live."""

    public_url: str
    invitation_lifetime: dt.timedelta = dt.timedelta(days=3)
    reset_lifetime: dt.timedelta = dt.timedelta(hours=1)


class Recovery:
    """Issues and redeems password links; returns the e-mails to send after commit."""

    def __init__(self, authenticator: Authenticator, policy: RecoveryPolicy) -> None:
        self._authenticator = authenticator
        self.policy = policy

    def invite(self, uow: UnitOfWork, user: User) -> Mail:
        """An invitation for a new user to set their first password."""
        secret, expires = self._issue(uow, user, INVITATION, self.policy.invitation_lifetime)
        tenant = TenantStore(uow.connection).get(user.tenant_id)
        return Mail(
            user.email,
            f"Einladung zu Kontor ({tenant.name})",
            f"Guten Tag {user.display_name},\n\n"
            f"Sie wurden zu Kontor eingeladen ({tenant.name}); Ihr Login ist {user.login}.\n"
            f"Setzen Sie Ihr Kennwort bis {_berlin(expires)}; der Code gilt nur einmal.\n\n"
            f"{self._instructions(secret)}\n",
        )

    def request_reset(self, uow: UnitOfWork, login: str) -> Mail | None:
        """A reset link for an active user with ``login``; None (and no hint) otherwise."""
        user = find_user(uow.connection, login)
        if user is None or not user.active:
            return None
        secret, expires = self._issue(uow, user, RESET, self.policy.reset_lifetime)
        return Mail(
            user.email,
            "Kontor: Kennwort zurücksetzen",
            f"Guten Tag {user.display_name},\n\n"
            f"für Ihr Login {user.login} wurde ein neues Kennwort angefordert. Setzen Sie es bis "
            f"{_berlin(expires)}; der Code gilt nur einmal.\n\n{self._instructions(secret)}\n\n"
            "Haben Sie nichts angefordert, ignorieren Sie diese E-Mail; Ihr Kennwort bleibt.\n",
        )

    def set_password(self, uow: UnitOfWork, secret: str, password: str) -> Mail:
        """Set a password through a link: once, before it expires; ends all sessions."""
        _, confirmation = self.redeem(uow, secret, password)
        return confirmation

    def usable(self, connection: Connection, secret: str, now: dt.datetime) -> bool:
        """Whether a link's code can still set a password (known, unused, unexpired)."""
        row = connection.execute(
            select(password_links.c.used_at, password_links.c.expires_at).where(
                password_links.c.secret_hash == secret_hash(secret)
            )
        ).one_or_none()
        return row is not None and row.used_at is None and now < row.expires_at

    def redeem(self, uow: UnitOfWork, secret: str, password: str) -> tuple[User, Mail]:
        """Set a password through a link (as ``set_password``); the user and the confirmation."""
        now = uow.clock.now()
        row = uow.connection.execute(
            select(password_links).where(password_links.c.secret_hash == secret_hash(secret))
        ).one_or_none()
        if row is None or row.used_at is not None or now >= row.expires_at:
            raise InvalidInput(
                "this link is unknown, used or expired; ask for a new one", field="token"
            )
        user = Directory(uow.connection, row.tenant_id).user(row.user_id)
        if not user.active:
            raise InvalidInput(
                "this link is unknown, used or expired; ask for a new one", field="token"
            )
        self._authenticator.set_password(
            uow,
            user.tenant_id,
            user.user_id,
            password,
            login=user.login,
            actor=user.user_id,
            reason=row.purpose,
        )
        uow.connection.execute(
            update(password_links)
            .where(password_links.c.link_id == row.link_id)
            .values(used_at=now)
        )
        SessionStore(uow.connection).end_all(user.tenant_id, user.user_id, now)
        return user, self.password_changed(user)

    def password_changed(self, user: User) -> Mail:
        """The confirmation that a user's password was changed."""
        return Mail(
            user.email,
            "Kontor: Ihr Kennwort wurde geändert",
            f"Guten Tag {user.display_name},\n\n"
            f"das Kennwort Ihres Logins {user.login} wurde soeben geändert. Waren Sie das nicht, "
            "setzen Sie es sofort zurück und verständigen Sie Ihre Administration.\n",
        )

    def _issue(
        self, uow: UnitOfWork, user: User, purpose: str, lifetime: dt.timedelta
    ) -> tuple[str, dt.datetime]:
        now = uow.clock.now()
        uow.connection.execute(
            update(password_links)
            .where(
                password_links.c.tenant_id == user.tenant_id,
                password_links.c.user_id == user.user_id,
                password_links.c.purpose == purpose,
                password_links.c.used_at.is_(None),
            )
            .values(used_at=now)  # an older link stops working
        )
        secret = secrets.token_urlsafe(32)
        uow.connection.execute(
            password_links.insert().values(
                link_id=time_ordered_id(),
                secret_hash=secret_hash(secret),
                tenant_id=user.tenant_id,
                user_id=user.user_id,
                purpose=purpose,
                created_at=now,
                expires_at=now + lifetime,
            )
        )
        return secret, now + lifetime

    def _instructions(self, secret: str) -> str:
        base = self.policy.public_url.rstrip("/")
        return (
            f"Kennwort setzen im Browser: {base}{SET_PASSWORD_PAGE}?code={secret}\n\n"
            f"Einmal-Code: {secret}\n"
            f'Ohne Browser: POST {base}/api/auth/password mit {{"token": "<Einmal-Code>", '
            '"password": "<neues Kennwort>"}'
        )


def _berlin(moment: dt.datetime) -> str:
    return moment.astimezone(ZoneInfo("Europe/Berlin")).strftime("%d.%m.%Y %H:%M Uhr")
