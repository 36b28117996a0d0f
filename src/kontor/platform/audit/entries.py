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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kontor.db.ids import random_hex
from kontor.db.json_codec import EncodedJson
from kontor.messaging import RecordedChange

_QUOTED = json.encoder.encode_basestring  # a JSON string, as json.dumps(ensure_ascii=False)
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
_MAKE_ENCODER: Callable[..., Callable[[Any, int], Sequence[str]]] | None = getattr(
    json.encoder, "c_make_encoder", None
)
# What _ENCODER.encode runs (its C encoder), made once instead of on every call; no circular
# check (a difference is a tree of JSON values).
_C_ENCODER = (
    _MAKE_ENCODER(None, str, _QUOTED, None, ":", ",", True, False, True) if _MAKE_ENCODER else None
)

ERASE_ACTION = "audit.erase"
"""The action of the entry an erasure writes; its entity id is the erased data subject."""


class AuditKey:
    """The secret every audit hash is keyed with: without it nobody can forge an entry or link."""

    def __init__(self, secret: bytes) -> None:
        key = hmac.new(secret, b"kontor audit log v1", hashlib.sha256).digest()
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)  # copied per hash: keyed once

    def mac(self, *parts: str | None) -> str:
        """The keyed hash (HMAC-SHA256, hex) of ``parts``, unambiguously joined."""
        keyed = self._keyed.copy()
        keyed.update(canonical_json(parts).encode())  # json.dumps(parts), compact
        return keyed.hexdigest()


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
    if _C_ENCODER is None:
        return _ENCODER.encode(value)
    return "".join(_C_ENCODER(value, 0))


def content_mac(key: AuditKey, entry: AuditEntry) -> str:
    """The keyed hash of an entry's chained fields."""
    return _content_mac(key, vars(entry))


def _content_mac(key: AuditKey, fields: Mapping[str, Any]) -> str:
    return key.mac(
        fields["entry_id"],
        fields["tenant_id"],
        _utc_iso(fields["recorded_at"]),
        fields["actor"],
        fields["action"],
        fields["entity_type"],
        fields["entity_id"],
        fields["correlation_id"],
        fields["subject"],
        fields["difference_mac"],
    )


def _utc_iso(moment: dt.datetime) -> str:
    """A time as the ISO text its hash covers (in UTC)."""
    return (moment if moment.tzinfo is dt.UTC else moment.astimezone(dt.UTC)).isoformat()


def difference_mac(key: AuditKey, salt: str, difference: dict[str, Any]) -> str:
    """The salted keyed hash of a difference as read back from the database."""
    return key.mac(salt, canonical_json(_as_written(difference)))


def _as_written(value: Any) -> Any:
    """A stored difference as it was hashed: a fractional number comes back as ``Decimal`` but
    was a ``float`` (a ``Decimal`` is hashed and stored as its text, so never comes back as one).
    """
    if isinstance(value, dict):
        return {key: _as_written(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_written(item) for item in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


def new_entry_row(key: AuditKey, entry_id: str, recorded: RecordedChange) -> dict[str, Any]:
    """The row of a recorded change's audit entry, with its hashes.

    Its difference is the canonical JSON text it was hashed as, stored as it is.
    """
    change = recorded.change
    text = canonical_json({"before": change.before, "after": change.after})
    salt = random_hex(16)
    row = {
        "entry_id": entry_id,
        "tenant_id": recorded.tenant_id,
        "recorded_at": recorded.recorded_at,
        "actor": recorded.actor,
        "action": change.action,
        "entity_type": change.entity_type,
        "entity_id": change.entity_id,
        "correlation_id": recorded.correlation_id,
        "subject": change.subject,
        "difference_mac": key.mac(salt, text),
        "difference": EncodedJson(text),
        "difference_salt": salt,
        "erased_by": None,
    }
    row["content_mac"] = _content_mac(key, row)
    return row


def new_entry(key: AuditKey, entry_id: str, recorded: RecordedChange) -> AuditEntry:
    """The audit entry of a recorded change, with its hashes (its difference as read back)."""
    row = new_entry_row(key, entry_id, recorded)
    return AuditEntry(**{**row, "difference": json.loads(row["difference"])})
