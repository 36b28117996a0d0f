"""The notifier (declared events → notifications of their users) and the purge of old ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from kontor.messaging import Clock, Event, HandlerRegistry, UnitOfWork
from kontor.messaging.retention import BatchedPurge
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


def notification_retention(
    engine: Engine, clock: Clock, keep: dt.timedelta, every: dt.timedelta
) -> BatchedPurge:
    """Deletes notifications older than ``keep``, at most once per ``every``, in batches."""
    return BatchedPurge(engine, clock, purge_notifications, keep, every)
