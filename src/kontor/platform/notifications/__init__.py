"""Notifications: declared status-change events notify the users concerned, kept a few days."""

from kontor.platform.notifications.hub import NotificationHub
from kontor.platform.notifications.rules import (
    GroupMembers,
    NamedUser,
    Notice,
    NotificationRule,
    NotificationRules,
)
from kontor.platform.notifications.service import notification_retention, subscribe_notifier
from kontor.platform.notifications.store import Notification, NotificationStore
from kontor.platform.notifications.tables import notifications

__all__ = [
    "GroupMembers",
    "NamedUser",
    "Notice",
    "Notification",
    "NotificationHub",
    "NotificationRule",
    "NotificationRules",
    "NotificationStore",
    "notification_retention",
    "notifications",
    "subscribe_notifier",
]
