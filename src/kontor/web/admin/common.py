"""What the administration screens share: the entries, sending mail, rows from plain values."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, false, literal, null, select, union_all

from kontor.bootstrap import Kontor
from kontor.platform import Mail, Principal
from kontor.platform.permissions import (
    MANAGE_BROKER_SYSTEMS,
    MANAGE_GROUPS,
    MANAGE_SUB_USERS,
    MANAGE_TENANTS,
    MANAGE_USERS,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AdminEntry:
    """One screen of the administration, shown to holders of ``permission``."""

    label: str
    url: str
    permission: str
    description: str


ENTRIES = (
    AdminEntry(
        "Benutzer", "/admin/users", MANAGE_SUB_USERS, "Benutzer einladen, sperren, entsperren"
    ),
    AdminEntry("Gruppen", "/admin/groups", MANAGE_GROUPS, "Rechte und Anwendungen der Gruppen"),
    AdminEntry("API-Tokens", "/admin/tokens", MANAGE_USERS, "API-Tokens der Benutzer widerrufen"),
    AdminEntry(
        "Maklersysteme",
        "/admin/broker-systems",
        MANAGE_BROKER_SYSTEMS,
        "Maklersysteme anlegen (mit Einladung) und löschen",
    ),
    AdminEntry(
        "Protokoll", "/admin/audit", "audit:read", "Wer hat wann was geändert; Export als CSV/XLSX"
    ),
    AdminEntry(
        "Zeitpläne",
        "/admin/schedules",
        "schedules:read",
        "Zeitpläne anhalten, fortsetzen, ausführen",
    ),
    AdminEntry(
        "Webhooks", "/admin/webhooks", "webhooks:read", "Webhook-Abonnements ein- und abschalten"
    ),
    AdminEntry(
        "Gruppenprofile",
        "/admin/profiles",
        MANAGE_TENANTS,
        "Was die Gruppen neuer Mandanten mitbringen",
    ),
)
"""The administration's screens, in the order the overview lists them."""


def entries_for(principal: Principal | None) -> list[AdminEntry]:
    """The administration screens ``principal`` may open."""
    if principal is None:
        return []
    return [entry for entry in ENTRIES if principal.has(entry.permission)]


def send_quietly(kontor: Kontor, mail: Mail) -> bool:
    """Send ``mail``; False when it could not go (the log names only the subject)."""
    try:
        kontor.mailer.send(mail)
    except Exception:  # the recipient is personal data: never in the log
        log.exception("e-mail could not be sent", extra={"subject": mail.subject})
        return False
    return True


def literal_rows(keys: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> Select[Any]:
    """A SELECT of fixed rows (for tables over values that live in code, not in a table)."""
    if not rows:
        empty: Select[Any] = select(null().label(keys[0])).where(false())
        return empty.add_columns(*(null().label(key) for key in keys[1:]))
    selects = [select(*(literal(row[key]).label(key) for key in keys)) for row in rows]
    if len(selects) == 1:
        return selects[0]
    return select(union_all(*selects).subquery("fixed"))
