"""The notifications of one tenant: written per recipient, read and marked per user, purged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from kontor.db.ids import time_ordered_id
from kontor.errors import NotFound
from kontor.platform.notifications.rules import Notice
from kontor.platform.notifications.tables import notifications


@dataclass(frozen=True)
class Notification:
    """One notification of one user."""

    notification_id: str
    kind: str
    subject: str
    data: dict[str, Any]
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationStore:
    """Notifications of ``tenant_id``; nothing of another tenant is read or changed."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self.connection = connection
        self.tenant_id = tenant_id

    def add(self, user_ids: Iterable[str], kind: str, notice: Notice, now: dt.datetime) -> int:
        """Give each user a notification of ``notice``; return how many were written."""
        rows = [
            {
                "notification_id": time_ordered_id(),
                "tenant_id": self.tenant_id,
                "user_id": user_id,
                "kind": kind,
                "subject": notice.subject,
                "data": notice.data,
                "created_at": now,
            }
            for user_id in sorted(user_ids)
        ]
        if rows:
            self.connection.execute(insert(notifications), rows)
        return len(rows)

    def of_user(
        self, user_id: str, *, unread: bool = False, after: str | None = None, limit: int = 100
    ) -> list[Notification]:
        """The user's notifications, oldest first (only unread ones; only those after an id)."""
        n = notifications.c
        query = select(notifications).where(n.tenant_id == self.tenant_id, n.user_id == user_id)
        if unread:
            query = query.where(n.read_at.is_(None))
        if after is not None:
            query = query.where(n.notification_id > after)
        query = query.order_by(n.notification_id).limit(limit)
        return [_notification(row) for row in self.connection.execute(query).mappings()]

    def mark_read(self, user_id: str, notification_id: str, now: dt.datetime) -> Notification:
        """Mark one of the user's notifications read (again: no change); return it."""
        n = notifications.c
        mine = (
            (n.tenant_id == self.tenant_id)
            & (n.user_id == user_id)
            & (n.notification_id == notification_id)
        )
        self.connection.execute(
            update(notifications).where(mine, n.read_at.is_(None)).values(read_at=now)
        )
        row = self.connection.execute(select(notifications).where(mine)).mappings().first()
        if row is None:
            raise NotFound(
                f"notification {notification_id!r} not found", notification_id=notification_id
            )
        return _notification(row)

    def remove_about(self, kinds: Collection[str], key: str, values: Collection[str]) -> int:
        """Delete the notifications of ``kinds`` whose data names one of ``values`` at ``key``."""
        n = notifications.c
        of_kinds = select(n.notification_id, n.data).where(
            n.tenant_id == self.tenant_id, n.kind.in_(list(kinds))
        )
        wanted = set(values)
        ids = [
            row.notification_id
            for row in self.connection.execute(of_kinds)
            if row.data.get(key) in wanted
        ]
        if ids:
            self.connection.execute(delete(notifications).where(n.notification_id.in_(ids)))
        return len(ids)


def purge_notifications(connection: Connection, before: dt.datetime, batch: int) -> int:
    """Delete up to ``batch`` notifications (of every tenant) created before ``before``."""
    n = notifications.c
    expired = (
        select(n.notification_id).where(n.created_at < before).order_by(n.created_at).limit(batch)
    )
    ids = list(connection.execute(expired).scalars())
    if ids:
        connection.execute(delete(notifications).where(n.notification_id.in_(ids)))
    return len(ids)


def _notification(row: Any) -> Notification:
    return Notification(
        row["notification_id"],
        row["kind"],
        row["subject"],
        row["data"],
        row["created_at"],
        row["read_at"],
    )
