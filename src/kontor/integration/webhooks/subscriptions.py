"""Outbound webhook subscriptions of a tenant: their store, their rotating secrets, and the
fan-out that queues a delivery for each matching event in the event's own transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from kontor.db.fast import FastStatement
from kontor.db.ids import time_ordered_id
from kontor.db.json_codec import dumps
from kontor.errors import InvalidInput, NotFound
from kontor.integration.webhooks.signing import is_valid_secret, new_secret
from kontor.integration.webhooks.tables import webhook_deliveries, webhook_subscriptions
from kontor.messaging import Event, UnitOfWork
from kontor.platform import SecretBox

PENDING = "pending"
DELIVERED = "delivered"
ROTATION_OVERLAP = dt.timedelta(hours=24)
"""How long a replaced secret still signs alongside the new one."""
_ENABLED = FastStatement(  # asked for every event: prebuilt
    select(
        webhook_subscriptions.c.subscription_id,
        webhook_subscriptions.c.event_types,
        webhook_subscriptions.c.filter,
    ).where(
        webhook_subscriptions.c.tenant_id == bindparam("b_tenant"),
        webhook_subscriptions.c.enabled.is_(True),
    )
)


@dataclass(frozen=True)
class Subscription:
    """A tenant's subscription to event types, as the API shows it (no secrets)."""

    subscription_id: str
    tenant_id: str
    url: str
    event_types: list[str]
    filter: dict[str, Any]
    description: str
    enabled: bool
    disabled_reason: str | None
    consecutive_failures: int
    created_at: dt.datetime


@dataclass(frozen=True)
class SubscriptionDraft:
    """What a new subscription asks for."""

    url: str
    event_types: Sequence[str]
    filter: Mapping[str, Any]
    description: str = ""
    secret: str | None = None


class SubscriptionStore:
    """Subscriptions of one tenant; another tenant's are not found."""

    def __init__(self, connection: Connection, tenant_id: str, box: SecretBox) -> None:
        self._connection = connection
        self._tenant_id = tenant_id
        self._box = box

    def create(
        self, draft: SubscriptionDraft, known_types: frozenset[str], now: dt.datetime
    ) -> tuple[Subscription, str]:
        """Store a new subscription; returns it with its signing secret (shown this once)."""
        _check_url(draft.url, "url")
        unknown = sorted(set(draft.event_types) - known_types)
        if not draft.event_types or unknown:
            raise InvalidInput(
                f"unknown event types: {', '.join(unknown)}" if unknown else "name event types",
                field="event_types",
                known=sorted(known_types),
            )
        if draft.secret is not None and not is_valid_secret(draft.secret):
            raise InvalidInput(
                "a secret is 'whsec_' and base64 of 24 bytes or more", field="secret"
            )
        secret = draft.secret or new_secret()
        subscription_id = time_ordered_id()
        self._connection.execute(
            insert(webhook_subscriptions).values(
                subscription_id=subscription_id,
                tenant_id=self._tenant_id,
                url=draft.url,
                event_types=sorted(set(draft.event_types)),
                filter=dict(draft.filter),
                description=draft.description,
                secrets=[self._sealed(subscription_id, secret, None)],
                enabled=True,
                disabled_reason=None,
                consecutive_failures=0,
                next_sequence=0,
                lease_until=None,
                created_at=now,
            )
        )
        return self.get(subscription_id), secret

    def all(self) -> list[Subscription]:
        """The tenant's subscriptions, oldest first."""
        rows = self._connection.execute(
            select(webhook_subscriptions)
            .where(webhook_subscriptions.c.tenant_id == self._tenant_id)
            .order_by(webhook_subscriptions.c.subscription_id)
        )
        return [_subscription(row) for row in rows]

    def get(self, subscription_id: str) -> Subscription:
        """One subscription of the tenant; NotFound for any other."""
        row = self._connection.execute(
            select(webhook_subscriptions).where(
                webhook_subscriptions.c.tenant_id == self._tenant_id,
                webhook_subscriptions.c.subscription_id == subscription_id,
            )
        ).first()
        if row is None:
            raise NotFound(
                f"no webhook subscription {subscription_id!r}", subscription_id=subscription_id
            )
        return _subscription(row)

    def set_enabled(self, subscription_id: str, enabled: bool, reason: str | None) -> Subscription:
        """Switch a subscription on (its failure run starts anew) or off with a reason."""
        self.get(subscription_id)
        self._connection.execute(
            update(webhook_subscriptions)
            .where(
                webhook_subscriptions.c.tenant_id == self._tenant_id,
                webhook_subscriptions.c.subscription_id == subscription_id,
            )
            .values(
                enabled=enabled,
                disabled_reason=None if enabled else reason,
                consecutive_failures=0 if enabled else webhook_subscriptions.c.consecutive_failures,
            )
        )
        return self.get(subscription_id)

    def rotate(self, subscription_id: str, now: dt.datetime) -> str:
        """A new secret signs from now on; the previous one goes on signing for a day."""
        row = self._row(subscription_id)
        secret = new_secret()
        kept = [s for s in row.secrets if s["expires_at"] is None or s["expires_at"] > _iso(now)]
        previous = [
            {**s, "expires_at": s["expires_at"] or _iso(now + ROTATION_OVERLAP)} for s in kept
        ]
        self._connection.execute(
            update(webhook_subscriptions)
            .where(webhook_subscriptions.c.subscription_id == subscription_id)
            .values(secrets=[self._sealed(subscription_id, secret, None), *previous[:1]])
        )
        return secret

    def secrets_in_use(self, subscription_id: str, now: dt.datetime) -> list[str]:
        """The secrets that sign now: the newest first, a replaced one within its overlap."""
        row = self._row(subscription_id)
        return [
            self._box.decrypt(s["encrypted"], _context(subscription_id))
            for s in row.secrets
            if s["expires_at"] is None or s["expires_at"] > _iso(now)
        ]

    def delete(self, subscription_id: str) -> None:
        """Delete a subscription with its queued and past deliveries."""
        self.get(subscription_id)
        for table in (webhook_deliveries, webhook_subscriptions):
            self._connection.execute(
                delete(table).where(
                    table.c.tenant_id == self._tenant_id,
                    table.c.subscription_id == subscription_id,
                )
            )

    def _row(self, subscription_id: str) -> Any:
        row = self._connection.execute(
            select(webhook_subscriptions).where(
                webhook_subscriptions.c.tenant_id == self._tenant_id,
                webhook_subscriptions.c.subscription_id == subscription_id,
            )
        ).first()
        if row is None:
            raise NotFound(
                f"no webhook subscription {subscription_id!r}", subscription_id=subscription_id
            )
        return row

    def _sealed(self, subscription_id: str, secret: str, expires: str | None) -> dict[str, Any]:
        return {
            "encrypted": self._box.encrypt(secret, _context(subscription_id)),
            "expires_at": expires,
        }


def read_subscriptions_ahead(events: Sequence[Event], uow: UnitOfWork) -> None:
    """Read the enabled subscriptions of the events' tenants with the other handlers' reads."""
    for tenant_id in {event.tenant_id for event in events}:
        read = (_ENABLED, {"b_tenant": tenant_id})
        uow.remember_ahead(_subscriptions_key(tenant_id), read, list)


def _subscriptions_key(tenant_id: str) -> tuple[str, str]:
    return ("webhook_subscriptions", tenant_id)


def queue_deliveries(event: Event, uow: UnitOfWork) -> None:
    """Queue a delivery of ``event`` for every enabled subscription of its tenant that wants it."""
    connection = uow.connection
    rows = uow.remembered(  # once per transaction: a batch of events asks it for each
        _subscriptions_key(event.tenant_id),
        lambda: _ENABLED.all_rows(connection, {"b_tenant": event.tenant_id}),
    )
    if not rows:
        return
    payload = event.payload()
    wanted = [
        row.subscription_id
        for row in rows
        if event.type_name in row.event_types and _matches(row.filter, payload)
    ]
    if not wanted:
        return
    now = uow.clock.now()
    body = dumps(
        {
            "type": event.type_name,
            "timestamp": event.occurred_at.isoformat(),
            "event_id": event.message_id,
            "data": payload,
        }
    )
    for subscription_id in wanted:
        sequence = connection.execute(
            update(webhook_subscriptions)
            .where(webhook_subscriptions.c.subscription_id == subscription_id)
            .values(next_sequence=webhook_subscriptions.c.next_sequence + 1)
            .returning(webhook_subscriptions.c.next_sequence)
        ).scalar_one()
        connection.execute(
            insert(webhook_deliveries).values(
                delivery_id=time_ordered_id(),
                tenant_id=event.tenant_id,
                subscription_id=subscription_id,
                sequence=sequence,
                event_id=event.message_id,
                event_type=event.type_name,
                body=body,
                status=PENDING,
                attempts=0,
                next_attempt_at=now,
                last_status_code=None,
                last_error=None,
                created_at=now,
                delivered_at=None,
            )
        )


def _matches(wanted: Mapping[str, Any], payload: Mapping[str, Any]) -> bool:
    return all(payload.get(name) == value for name, value in wanted.items())


def _check_url(url: str, field: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise InvalidInput("no readable URL", field=field) from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput("an http or https URL with a host is required", field=field)


def _subscription(row: Any) -> Subscription:
    return Subscription(
        row.subscription_id,
        row.tenant_id,
        row.url,
        list(row.event_types),
        dict(row.filter),
        row.description,
        row.enabled,
        row.disabled_reason,
        row.consecutive_failures,
        row.created_at,
    )


def _context(subscription_id: str) -> str:
    return f"webhook-subscription:{subscription_id}"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def rotate_subscription_secrets(connection: Connection, box: SecretBox) -> int:
    """Seal every subscription's signing secrets still under a retired key anew; how many."""
    table = webhook_subscriptions
    stored = {
        subscription_id: [dict(secret) for secret in secrets]
        for subscription_id, secrets in connection.execute(
            select(table.c.subscription_id, table.c.secrets)
        ).all()
    }
    changed: set[str] = set()

    def keep(key: tuple[str, int], sealed: str) -> None:
        stored[key[0]][key[1]]["encrypted"] = sealed
        changed.add(key[0])

    count = box.reseal_all(
        (
            ((subscription_id, index), secret["encrypted"])
            for subscription_id, secrets in stored.items()
            for index, secret in enumerate(secrets)
        ),
        lambda key: _context(key[0]),
        keep,
    )
    for subscription_id in changed:
        connection.execute(
            update(table)
            .where(table.c.subscription_id == subscription_id)
            .values(secrets=stored[subscription_id])
        )
    return count
