"""Part of the composition root: the platform's services as the settings configure them —
audit log, authentication, encryption of stored secrets and mail."""

from __future__ import annotations

import datetime as dt

from kontor.messaging import ChangeLog, ChangeLogs
from kontor.platform import (
    Authenticator,
    ExpiryPolicy,
    MaildirSink,
    Mailer,
    NoMailer,
    PasswordHasher,
    SecondFactors,
    SecretBox,
    SessionPolicy,
    SmtpMailer,
    ThrottlePolicy,
)
from kontor.platform.audit import AuditKey, AuditLog
from kontor.settings import Environment, Settings


def audit_log(settings: Settings) -> AuditLog | None:
    """The audit log keyed with the secret key, unless switched off."""
    if not settings.audit_log_enabled:
        return None
    key = AuditKey(settings.secret_key.get_secret_value().encode("utf-8"))
    return AuditLog(key, retention=days(settings.audit_retention_days))


def change_logs(*logs: ChangeLog | None) -> ChangeLog | None:
    """Where recorded changes go: the logs that are on (None when none is)."""
    wired = [log for log in logs if log is not None]
    return ChangeLogs(*wired) if wired else None


def authenticator_for(settings: Settings, change_log: ChangeLog | None = None) -> Authenticator:
    """Password checks, sessions, tokens and second factors with the limits of ``settings``.

    Logins are written to ``change_log`` (the audit log), if given.
    """
    lockout = dt.timedelta(minutes=settings.login_lockout_minutes)
    hasher = PasswordHasher()
    throttle = ThrottlePolicy(
        account_failures=settings.login_max_failures,
        address_failures=settings.login_max_failures_per_address,
        window=lockout,
        lockout=lockout,
    )
    return Authenticator(
        hasher,
        SessionPolicy(
            idle=dt.timedelta(minutes=settings.session_idle_minutes),
            absolute=dt.timedelta(hours=settings.session_absolute_hours),
            token_max_lifetime=dt.timedelta(days=settings.api_token_max_days),
            touch_every=dt.timedelta(seconds=settings.session_touch_seconds),
        ),
        throttle,
        ExpiryPolicy(
            dt.timedelta(days=settings.password_max_age_days)
            if settings.password_max_age_days
            else None,
            tuple(settings.password_reminder_days),
        ),
        change_log,
        SecondFactors(secret_box(settings, "second-factor"), hasher, throttle),
    )


def secret_box(settings: Settings, purpose: str) -> SecretBox:
    """Encryption of stored secrets for ``purpose`` under the secret key; retired keys still
    open what they sealed."""
    retired = [key.get_secret_value().encode("utf-8") for key in settings.secret_keys_retired]
    return SecretBox(settings.secret_key.get_secret_value().encode("utf-8"), purpose, retired)


def mailer_for(settings: Settings) -> Mailer:
    """SMTP where configured; else a local Maildir in development and test, else nothing."""
    if settings.smtp_host:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            settings.mail_sender,
            username=settings.smtp_username,
            password=password,
            starttls=settings.smtp_starttls,
        )
    if settings.environment is Environment.PRODUCTION:
        return NoMailer()
    return MaildirSink(settings.data_dir / "mail", settings.mail_sender)


def days(days: int | None) -> dt.timedelta | None:
    """``days`` as a timedelta; None stays None (a setting left empty: no limit)."""
    return None if days is None else dt.timedelta(days=days)
