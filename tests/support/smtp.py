"""A real local SMTP server (aiosmtpd) whose received mail the tests read."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """What the SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = _free_port()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def to(self, recipient: str) -> list[EmailMessage]:
        """The mail to ``recipient``, oldest first."""
        return [m for m in self.messages if m["To"] == recipient]

    def code(self, recipient: str) -> str:
        """The single-use code of the newest mail to ``recipient``."""
        return self.find(recipient, r"Einmal-Code: (\S+)")

    def link(self, recipient: str) -> str:
        """The link of the newest mail to ``recipient`` that opens the set-password page."""
        return self.find(recipient, r"Kennwort setzen im Browser: (\S+)")

    def find(self, recipient: str, pattern: str) -> str:
        """The first group of ``pattern`` in the newest mail to ``recipient``."""
        found = re.search(pattern, self.to(recipient)[-1].get_content())
        assert found, self.to(recipient)[-1].get_content()
        return found.group(1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_inbox() -> Iterator[Inbox]:
    """A running SMTP server on a free local port for the block; what it received."""
    received = Inbox()
    server = Controller(received, hostname="127.0.0.1", port=received.port)
    server.start()
    try:
        yield received
    finally:
        server.stop()
