"""Audit entries and their keyed hashes: the chained fields hold references, never personal values.

An entry's ``content_mac`` covers when, who (user id), tenant, action, entity, correlation,
data subject (a reference) and ``difference_mac``. The difference itself (before/after, which may
hold personal values) stays outside: only its salted keyed hash is chained, so erasing the
difference and its salt leaves every hash verifiable and nothing to guess the erased values from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, replace
from typing import Any

from kontor.messaging import RecordedChange

ERASE_ACTION = "audit.erase"
"""The action of the entry an erasure writes; its entity id is the erased data subject."""


class AuditKey:
    """The secret every audit hash is keyed with: without it nobody can forge an entry or link."""

    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, b"kontor audit log v1", hashlib.sha256).digest()

    def mac(self, *parts: str | None) -> str:
        """The keyed hash (HMAC-SHA256, hex) of ``parts``, unambiguously joined."""
        message = json.dumps(parts, separators=(",", ":"), ensure_ascii=False)
        return hmac.new(self._key, message.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log (the chain fields are None until the entry is sealed)."""

    entry_id: str
    tenant_id: str
    recorded_at: dt.datetime
    actor: str | None
    action: str
    entity_type: str
    entity_id: str
    correlation_id: str | None
    subject: str | None
    difference_mac: str
    content_mac: str
    difference: dict[str, Any] | None = None
    difference_salt: str | None = None
    erased_by: str | None = None
    chain_position: int | None = None
    previous_entry_id: str | None = None
    chain_mac: str | None = None


def canonical_json(value: Any) -> str:
    """The one text a JSON value is hashed as (sorted keys, no spaces; other types as text)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def content_mac(key: AuditKey, entry: AuditEntry) -> str:
    """The keyed hash of an entry's chained fields."""
    return key.mac(
        entry.entry_id,
        entry.tenant_id,
        entry.recorded_at.astimezone(dt.UTC).isoformat(),
        entry.actor,
        entry.action,
        entry.entity_type,
        entry.entity_id,
        entry.correlation_id,
        entry.subject,
        entry.difference_mac,
    )


def difference_mac(key: AuditKey, salt: str, difference: dict[str, Any]) -> str:
    """The salted keyed hash of a difference."""
    return key.mac(salt, canonical_json(difference))


def new_entry(key: AuditKey, entry_id: str, recorded: RecordedChange) -> AuditEntry:
    """The audit entry of a recorded change, with its hashes."""
    change = recorded.change
    text = canonical_json({"before": change.before, "after": change.after})
    difference: dict[str, Any] = json.loads(text)  # stored exactly as hashed
    salt = secrets.token_hex(16)
    unhashed = AuditEntry(
        entry_id=entry_id,
        tenant_id=recorded.tenant_id,
        recorded_at=recorded.recorded_at,
        actor=recorded.actor,
        action=change.action,
        entity_type=change.entity_type,
        entity_id=change.entity_id,
        correlation_id=recorded.correlation_id,
        subject=change.subject,
        difference_mac=key.mac(salt, text),
        content_mac="",
        difference=difference,
        difference_salt=salt,
    )
    return replace(unhashed, content_mac=content_mac(key, unhashed))
