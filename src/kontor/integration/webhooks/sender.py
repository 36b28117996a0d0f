"""Sends queued webhook deliveries: in sequence per subscription, signed, with exponential
backoff, a log of every attempt, and switching a subscription off after a run of failures."""

from __future__ import annotations

import datetime as dt
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx
from sqlalchemy import insert, or_, select, update

from kontor.db.ids import time_ordered_id
from kontor.integration.metrics import IntegrationMetrics
from kontor.integration.outbound import destination_guard
from kontor.integration.webhooks.messages import WebhookSubscriptionDisabled
from kontor.integration.webhooks.signing import standard_headers
from kontor.integration.webhooks.subscriptions import (
    DELIVERED,
    PENDING,
    SubscriptionStore,
)
from kontor.integration.webhooks.tables import (
    webhook_attempts,
    webhook_deliveries,
    webhook_subscriptions,
)
from kontor.messaging import MessageBus, RetryPolicy
from kontor.platform import SecretBox

log = logging.getLogger(__name__)

ERROR_LENGTH = 1000
PER_SUBSCRIPTION_ROUND = 100
"""Deliveries one round sends to one subscription before it looks at the others."""
RECORD_EVERY = 20
"""Outcomes recorded together in one transaction (a crash in between sends them again)."""


@dataclass(frozen=True)
class SenderPolicy:
    """Timeouts, backoff and when a failing subscription is switched off."""

    timeout_seconds: float = 10.0
    backoff: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(max_attempts=0, base_seconds=5.0, max_seconds=3600.0)
    )
    disable_after: int = 50
    lease: dt.timedelta = dt.timedelta(minutes=5)
    parallel: int = 4
    """Subscriptions served at once, each in its own thread (one at a time per subscription)."""
    allow_private: bool = True
    """Whether receivers on loopback and private networks may be called (see ``outbound``)."""


@dataclass(frozen=True)
class _Outcome:
    status_code: int | None
    error: str | None
    seconds: float

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender:
    """Delivers due webhook deliveries; any number of processes may run one."""

    def __init__(
        self,
        bus: MessageBus,
        box: SecretBox,
        policy: SenderPolicy,
        metrics: IntegrationMetrics | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self._bus = bus
        self._box = box
        self._policy = policy
        self._metrics = metrics
        self._client = client or httpx.Client(
            timeout=policy.timeout_seconds,
            follow_redirects=False,
            event_hooks={"request": destination_guard(policy.allow_private)},
        )

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def deliver_due(self, subscriptions: int = 50) -> int:
        """Send what is due, several subscriptions at once; returns how many were delivered."""
        candidates = self._candidates(subscriptions)
        if len(candidates) <= 1 or self._policy.parallel <= 1:
            return sum(self._claim_and_work(*candidate) for candidate in candidates)
        with ThreadPoolExecutor(min(self._policy.parallel, len(candidates))) as pool:
            return sum(pool.map(lambda candidate: self._claim_and_work(*candidate), candidates))

    def deliver_until_idle(self, rounds: int = 1000) -> int:
        """Deliver round after round until nothing due is left (or ``rounds`` ran)."""
        total = 0
        for _ in range(rounds):
            sent = self.deliver_due()
            total += sent
            if not sent:
                return total
        return total

    def _claim_and_work(self, subscription_id: str, tenant_id: str) -> int:
        if not self._claim(subscription_id):
            return 0
        try:
            return self._work(subscription_id, tenant_id)
        finally:
            self._release(subscription_id)

    def _candidates(self, limit: int) -> list[tuple[str, str]]:
        now = self._bus.clock.now()
        query = (
            select(webhook_subscriptions.c.subscription_id, webhook_subscriptions.c.tenant_id)
            .where(
                webhook_subscriptions.c.enabled.is_(True),
                or_(
                    webhook_subscriptions.c.lease_until.is_(None),
                    webhook_subscriptions.c.lease_until < now,
                ),
                select(webhook_deliveries.c.delivery_id)
                .where(
                    webhook_deliveries.c.subscription_id == webhook_subscriptions.c.subscription_id,
                    webhook_deliveries.c.status == PENDING,
                    webhook_deliveries.c.next_attempt_at <= now,
                )
                .exists(),
            )
            .limit(limit)
        )
        with self._bus.reading() as uow:
            return [(row.subscription_id, row.tenant_id) for row in uow.connection.execute(query)]

    def _claim(self, subscription_id: str) -> bool:
        now = self._bus.clock.now()
        with self._bus.unit_of_work() as uow:
            claimed = uow.connection.execute(
                update(webhook_subscriptions)
                .where(
                    webhook_subscriptions.c.subscription_id == subscription_id,
                    or_(
                        webhook_subscriptions.c.lease_until.is_(None),
                        webhook_subscriptions.c.lease_until < now,
                    ),
                )
                .values(lease_until=now + self._policy.lease)
            ).rowcount
            uow.commit()
        return claimed == 1

    def _release(self, subscription_id: str) -> None:
        with self._bus.unit_of_work() as uow:
            uow.connection.execute(
                update(webhook_subscriptions)
                .where(webhook_subscriptions.c.subscription_id == subscription_id)
                .values(lease_until=None)
            )
            uow.commit()

    def _work(self, subscription_id: str, tenant_id: str) -> int:
        """Send the subscription's due deliveries in sequence until one fails."""
        now = self._bus.clock.now()
        with self._bus.reading() as uow:
            subscription = uow.connection.execute(
                select(webhook_subscriptions.c.url, webhook_subscriptions.c.enabled).where(
                    webhook_subscriptions.c.subscription_id == subscription_id
                )
            ).one()
            if not subscription.enabled:
                return 0
            secrets = SubscriptionStore(uow.connection, tenant_id, self._box).secrets_in_use(
                subscription_id, now
            )
        delivered = 0
        while delivered < PER_SUBSCRIPTION_ROUND:
            with self._bus.reading() as uow:
                pending = _pending(uow.connection, subscription_id, RECORD_EVERY)
            outcomes: list[tuple[Any, _Outcome]] = []
            for head in pending:
                if head.next_attempt_at > now:
                    break
                outcome = self._send(subscription.url, head.delivery_id, head.body, secrets, now)
                outcomes.append((head, outcome))
                if not outcome.delivered:
                    break
            if not outcomes:
                return delivered
            self._record(subscription_id, tenant_id, subscription.url, outcomes)
            delivered += sum(1 for _, outcome in outcomes if outcome.delivered)
            if not outcomes[-1][1].delivered or len(outcomes) < len(pending):
                return delivered
            if len(pending) < RECORD_EVERY:
                return delivered
        return delivered

    def _send(
        self, url: str, delivery_id: str, body: str, secrets: list[str], now: dt.datetime
    ) -> _Outcome:
        headers = standard_headers(delivery_id, now, body, secrets)
        started = time.perf_counter()
        try:
            response = self._client.post(url, content=body.encode("utf-8"), headers=headers)
        except httpx.HTTPError as error:
            return _Outcome(
                None, f"{type(error).__name__}: {error}"[:ERROR_LENGTH], _since(started)
            )
        error_text = None if response.is_success else response.text[:ERROR_LENGTH]
        return _Outcome(response.status_code, error_text, _since(started))

    def _record(
        self,
        subscription_id: str,
        tenant_id: str,
        url: str,
        outcomes: list[tuple[Any, _Outcome]],
    ) -> None:
        """Log the attempts, move the deliveries on, count the run of failures: one transaction."""
        now = self._bus.clock.now()
        if self._metrics is not None:
            for _, outcome in outcomes:
                label = "delivered" if outcome.delivered else "failed"
                self._metrics.deliveries.labels(subscription_id, label).inc()
                self._metrics.delivery_seconds.labels(subscription_id).observe(outcome.seconds)
        with self._bus.unit_of_work() as uow:
            connection = uow.connection
            connection.execute(
                insert(webhook_attempts),
                [
                    {
                        "attempt_id": time_ordered_id(),
                        "tenant_id": tenant_id,
                        "delivery_id": head.delivery_id,
                        "attempted_at": now,
                        "status_code": outcome.status_code,
                        "error": outcome.error,
                        "seconds": outcome.seconds,
                    }
                    for head, outcome in outcomes
                ],
            )
            for head, outcome in outcomes:
                attempts = head.attempts + 1
                connection.execute(
                    update(webhook_deliveries)
                    .where(webhook_deliveries.c.delivery_id == head.delivery_id)
                    .values(
                        attempts=attempts,
                        status=DELIVERED if outcome.delivered else PENDING,
                        delivered_at=now if outcome.delivered else None,
                        last_status_code=outcome.status_code,
                        last_error=outcome.error,
                        next_attempt_at=now
                        if outcome.delivered
                        else now + self._policy.backoff.delay(attempts),
                    )
                )
            failed = not outcomes[-1][1].delivered
            run = (
                webhook_subscriptions.c.consecutive_failures
                if len(outcomes) == 1
                else 0  # an earlier delivery of the batch succeeded: the run starts anew
            )
            failures = connection.execute(
                update(webhook_subscriptions)
                .where(webhook_subscriptions.c.subscription_id == subscription_id)
                .values(
                    consecutive_failures=run + 1 if failed else 0,
                    lease_until=now + self._policy.lease,  # still working on it
                )
                .returning(webhook_subscriptions.c.consecutive_failures)
            ).scalar_one()
            if failures >= self._policy.disable_after:
                self._disable(uow.connection, subscription_id, failures)
                uow.emit(
                    WebhookSubscriptionDisabled(
                        tenant_id=tenant_id,
                        subscription_id=subscription_id,
                        url=url,
                        failures=failures,
                    )
                )
                log.warning(
                    "webhook subscription %s switched off after %d failed deliveries",
                    subscription_id,
                    failures,
                )
            uow.commit()

    def _disable(self, connection: Any, subscription_id: str, failures: int) -> None:
        connection.execute(
            update(webhook_subscriptions)
            .where(webhook_subscriptions.c.subscription_id == subscription_id)
            .values(
                enabled=False,
                disabled_reason=f"{failures} Zustellungen nacheinander fehlgeschlagen",
            )
        )


def _pending(connection: Any, subscription_id: str, limit: int) -> list[Any]:
    return list(
        connection.execute(
            select(webhook_deliveries)
            .where(
                webhook_deliveries.c.subscription_id == subscription_id,
                webhook_deliveries.c.status == PENDING,
            )
            .order_by(webhook_deliveries.c.sequence)
            .limit(limit)
        )
    )


def _since(started: float) -> float:
    return time.perf_counter() - started
