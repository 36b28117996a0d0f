"""Errors of the BiPRO transport: faults, status messages (Meldungen) and unreadable answers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Meldung:
    """One BiPRO status message: its kind (``ArtID``), its id (``MeldungID``) and its text."""

    kind: str
    meldung_id: str
    text: str

    def __str__(self) -> str:
        """The message as ``MeldungID (ArtID): Text``."""
        return f"{self.meldung_id} ({self.kind}): {self.text}"


class BiproError(Exception):
    """A BiPRO call that did not give what was asked for; ``operation`` names the call."""

    def __init__(self, message: str, operation: str, meldungen: tuple[Meldung, ...] = ()) -> None:
        super().__init__(f"{operation}: {message}")
        self.operation = operation
        self.meldungen = meldungen


class BiproFault(BiproError):
    """The service answered a SOAP fault (``code`` is its faultcode's local name)."""

    def __init__(
        self, code: str, message: str, operation: str, meldungen: tuple[Meldung, ...] = ()
    ) -> None:
        super().__init__(f"SOAP fault {code}: {message}", operation, meldungen)
        self.code = code


class BiproStatusError(BiproError):
    """The service answered a status other than OK, with its Meldungen."""

    def __init__(self, status: str, operation: str, meldungen: tuple[Meldung, ...]) -> None:
        told = "; ".join(str(m) for m in meldungen) or "no Meldung given"
        super().__init__(f"status {status}: {told}", operation, meldungen)
        self.status = status


class BiproTransportError(BiproError):
    """The service could not be reached, answered no SOAP, or answered unreadable XML."""
