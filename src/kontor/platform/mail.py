"""Outgoing e-mail: SMTP from settings, or a local Maildir sink in development and tests."""

from __future__ import annotations

import mailbox
import smtplib
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from kontor.errors import KontorError


class MailUnavailable(KontorError):
    """No way to send e-mail is configured."""

    code = "platform.mail_unavailable"
    status = 503
    title = "E-mail unavailable"


@dataclass(frozen=True)
class Mail:
    """One plain-text e-mail to one recipient."""

    to: str
    subject: str
    body: str


class Mailer(Protocol):
    """Sends e-mail."""

    def send(self, mail: Mail) -> None:
        """Send ``mail`` now."""


def _message(sender: str, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, mail.to, mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(mail.body)
    return message


@dataclass(frozen=True)
class SmtpMailer:
    """Sends over SMTP, with STARTTLS and login where configured."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 30.0

    def send(self, mail: Mail) -> None:
        """Deliver ``mail`` to the SMTP server."""
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(_message(self.sender, mail))


@dataclass(frozen=True)
class MaildirSink:
    """Keeps mail in a local Maildir instead of sending it (``kontor mail list`` shows it)."""

    directory: Path
    sender: str

    def send(self, mail: Mail) -> None:
        """Store ``mail`` in the Maildir."""
        Path(self.directory).parent.mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(self.directory, create=True).add(_message(self.sender, mail))

    def messages(self) -> list[EmailMessage]:
        """The stored mail, oldest first."""
        if not self.directory.exists():
            return []
        box = mailbox.Maildir(self.directory, create=False)
        stored = [box.get_message(key) for key in box.iterkeys()]
        stored.sort(key=lambda message: message.get_date())
        return [_parsed(message) for message in stored]


def _parsed(message: mailbox.MaildirMessage) -> EmailMessage:
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


class NoMailer:
    """Refuses to send: production without ``KONTOR_SMTP_HOST``."""

    def send(self, mail: Mail) -> None:
        """Raise ``MailUnavailable``."""
        del mail
        raise MailUnavailable("no SMTP server is configured (KONTOR_SMTP_HOST)")
