"""The delivery log of a subscription: deliveries, their attempts, and replaying one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from kontor.db.ids import time_ordered_id
from kontor.errors import NotFound
from kontor.integration.webhooks.subscriptions import PENDING
from kontor.integration.webhooks.tables import (
    webhook_attempts,
    webhook_deliveries,
    webhook_subscriptions,
)


@dataclass(frozen=True)
class Delivery:
    """One event for one subscription with its latest outcome."""

    delivery_id: str
    subscription_id: str
    sequence: int
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_status_code: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


@dataclass(frozen=True)
class Attempt:
    """One try to deliver, with the receiver's status code (None: no answer)."""

    attempted_at: dt.datetime
    status_code: int | None
    error: str | None
    seconds: float


class DeliveryLog:
    """Deliveries and attempts of one tenant."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def of_subscription(
        self, subscription_id: str, status: str | None = None, limit: int = 100
    ) -> list[Delivery]:
        """The subscription's deliveries, newest first."""
        query = (
            select(webhook_deliveries)
            .where(
                webhook_deliveries.c.tenant_id == self._tenant_id,
                webhook_deliveries.c.subscription_id == subscription_id,
            )
            .order_by(webhook_deliveries.c.sequence.desc())
            .limit(limit)
        )
        if status is not None:
            query = query.where(webhook_deliveries.c.status == status)
        return [_delivery(row) for row in self._connection.execute(query)]

    def get(self, delivery_id: str) -> Delivery:
        """One delivery of the tenant; NotFound for any other."""
        return _delivery(self._row(delivery_id))

    def attempts(self, delivery_id: str) -> list[Attempt]:
        """The attempts of a delivery, oldest first."""
        self._row(delivery_id)
        rows = self._connection.execute(
            select(webhook_attempts)
            .where(
                webhook_attempts.c.tenant_id == self._tenant_id,
                webhook_attempts.c.delivery_id == delivery_id,
            )
            .order_by(webhook_attempts.c.attempted_at, webhook_attempts.c.attempt_id)
        )
        return [Attempt(r.attempted_at, r.status_code, r.error, r.seconds) for r in rows]

    def replay(self, delivery_id: str, now: dt.datetime) -> Delivery:
        """Queue the delivery's event again, last in its subscription, under a new webhook id."""
        row = self._row(delivery_id)
        sequence = self._connection.execute(
            update(webhook_subscriptions)
            .where(webhook_subscriptions.c.subscription_id == row.subscription_id)
            .values(next_sequence=webhook_subscriptions.c.next_sequence + 1)
            .returning(webhook_subscriptions.c.next_sequence)
        ).scalar_one()
        replayed = time_ordered_id()
        self._connection.execute(
            insert(webhook_deliveries).values(
                delivery_id=replayed,
                tenant_id=self._tenant_id,
                subscription_id=row.subscription_id,
                sequence=sequence,
                event_id=row.event_id,
                event_type=row.event_type,
                body=row.body,
                status=PENDING,
                attempts=0,
                next_attempt_at=now,
                last_status_code=None,
                last_error=None,
                created_at=now,
                delivered_at=None,
            )
        )
        return self.get(replayed)

    def _row(self, delivery_id: str) -> Any:
        row = self._connection.execute(
            select(webhook_deliveries).where(
                webhook_deliveries.c.tenant_id == self._tenant_id,
                webhook_deliveries.c.delivery_id == delivery_id,
            )
        ).first()
        if row is None:
            raise NotFound(f"no webhook delivery {delivery_id!r}", delivery_id=delivery_id)
        return row


def _delivery(row: Any) -> Delivery:
    return Delivery(
        row.delivery_id,
        row.subscription_id,
        row.sequence,
        row.event_id,
        row.event_type,
        row.status,
        row.attempts,
        row.next_attempt_at,
        row.last_status_code,
        row.last_error,
        row.created_at,
        row.delivered_at,
    )
