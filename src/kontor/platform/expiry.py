"""Password expiry: passwords age out after a set number of days unless the user switches it
off, and users are reminded by e-mail before (by default 30 and 3 days before)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, Row, select, update

from kontor.messaging import Clock, UnitOfWork
from kontor.platform.mail import Mail, Mailer
from kontor.platform.tables import users

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExpiryPolicy:
    """How long a password lives (None: forever) and how many days ahead users are reminded."""

    max_age: dt.timedelta | None = dt.timedelta(days=120)
    reminder_days: Sequence[int] = (30, 3)


def expires_at(
    policy: ExpiryPolicy, changed_at: dt.datetime | None, expires: bool
) -> dt.datetime | None:
    """When a password set at ``changed_at`` expires under ``policy`` (None: it does not)."""
    if policy.max_age is None or changed_at is None or not expires:
        return None
    return changed_at + policy.max_age


@dataclass
class PasswordReminders:
    """Sends the due expiry reminders, at most once per ``every``, from the background loop."""

    engine: Engine
    clock: Clock
    mailer: Mailer
    policy: ExpiryPolicy
    every: dt.timedelta = dt.timedelta(hours=1)
    _due_at: dt.datetime | None = field(default=None, repr=False)

    def run_if_due(self) -> int:
        """Send the reminders that are due if ``every`` has passed; how many were sent."""
        now = self.clock.now()
        if self._due_at is not None and now < self._due_at:
            return 0
        self._due_at = now + self.every
        with UnitOfWork(self.engine, self.clock) as uow:
            mails = due_reminders(uow.connection, self.policy, now)
            uow.commit()
        for mail in mails:  # after commit: a lost mail is better than a mail sent twice
            try:
                self.mailer.send(mail)
            except Exception:
                log.exception("expiry reminder could not be sent")
        return len(mails)


def due_reminders(connection: Connection, policy: ExpiryPolicy, now: dt.datetime) -> list[Mail]:
    """The reminders due now, each noted on its user so that it goes out once."""
    if policy.max_age is None or not policy.reminder_days:
        return []
    earliest = now - policy.max_age + dt.timedelta(days=max(policy.reminder_days))
    rows = connection.execute(
        select(users).where(
            users.c.active.is_(True),
            users.c.password_expires.is_(True),
            users.c.password_changed_at.is_not(None),
            users.c.password_changed_at <= earliest,
        )
    )
    mails = []
    for row in rows:
        reminder = _due(policy, row, now)
        if reminder is None:
            continue
        connection.execute(
            update(users).where(users.c.user_id == row.user_id).values(password_reminded=reminder)
        )
        mails.append(_reminder(row, row.password_changed_at + policy.max_age, now))
    return mails


def _due(policy: ExpiryPolicy, row: Row[object], now: dt.datetime) -> int | None:
    assert policy.max_age is not None
    left = row.password_changed_at + policy.max_age - now
    crossed = [days for days in policy.reminder_days if left <= dt.timedelta(days=days)]
    if not crossed or left <= dt.timedelta(0):
        return None
    nearest = min(crossed)
    already = row.password_reminded
    return nearest if already is None or already > nearest else None


def _reminder(row: Row[object], expiry: dt.datetime, now: dt.datetime) -> Mail:
    days = max(1, (expiry - now).days)
    return Mail(
        row.email,
        f"Kontor: Ihr Kennwort läuft in {days} Tagen ab",
        f"Guten Tag {row.display_name},\n\n"
        f"das Kennwort Ihres Logins {row.login} läuft in {days} Tagen ab. Ändern Sie es vorher "
        "(POST /api/auth/me/password); danach setzen Sie es mit einem Code zurück "
        "(POST /api/auth/password-reset).\n",
    )
