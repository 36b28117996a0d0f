"""The notifier (declared events → notifications of their users) and the purge of old ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from kontor.messaging import Clock, Event, HandlerRegistry, UnitOfWork
from kontor.platform.notifications.hub import NotificationHub
from kontor.platform.notifications.rules import NotificationRule, NotificationRules
from kontor.platform.notifications.store import NotificationStore, purge_notifications


def subscribe_notifier(
    registry: HandlerRegistry, rules: NotificationRules, hub: NotificationHub
) -> None:
    """Subscribe to every declared event type: its users get a notification, their streams a wake.

    The rows are written in the delivery's transaction (the inbox makes a redelivery write
    nothing twice); the streams of this process are woken once it committed.
    """
    for rule in rules:
        registry.subscribe(
            rule.event_type,
            _notifier(rule, hub),
            name=f"kontor.platform.notifications.notify:{rule.event_type.type_name}",
        )


def _notifier(
    rule: NotificationRule[Any], hub: NotificationHub
) -> Callable[[Event, UnitOfWork], None]:
    def notify(event: Event, uow: UnitOfWork) -> None:
        user_ids = rule.user_ids(uow.connection, event)
        if not user_ids:
            return
        store = NotificationStore(uow.connection, event.tenant_id)
        store.add(user_ids, event.type_name, rule.describe(event), uow.clock.now())
        uow.on_commit(lambda: hub.wake(event.tenant_id, user_ids))

    return notify


@dataclass
class NotificationRetention:
    """Deletes notifications older than ``keep``, at most once per ``every``, in batches."""

    engine: Engine
    clock: Clock
    keep: dt.timedelta
    every: dt.timedelta = dt.timedelta(hours=1)
    batch: int = 1000
    max_batches: int = 20
    _due_at: dt.datetime | None = None

    def run_if_due(self) -> int:
        """Purge if ``every`` has passed since the last round; return how many went."""
        now = self.clock.now()
        if self._due_at is not None and now < self._due_at:
            return 0
        total = 0
        for _ in range(self.max_batches):
            with UnitOfWork(self.engine, self.clock) as uow:
                purged = purge_notifications(uow.connection, now - self.keep, self.batch)
                uow.commit()
            total += purged
            if purged < self.batch:
                self._due_at = now + self.every
                return total
        self._due_at = now  # a backlog larger than one round continues on the next tick
        return total
