"""Messaging backbone: commands, events, bus, unit of work with outbox, inbox, transports."""

from kontor.messaging.bus import HandlerRegistry, MessageBus, Subscription, Transport, handler_name
from kontor.messaging.changes import Change, ChangeLog, ChangeLogs, RecordedChange
from kontor.messaging.clock import Clock, FakeClock, FileClock, SystemClock
from kontor.messaging.context import correlation, current_correlation_id
from kontor.messaging.delivery import (
    DeadLetter,
    DeliveryReport,
    Dispatcher,
    RetryPolicy,
)
from kontor.messaging.ledger import DEAD, DONE, RETRYING
from kontor.messaging.messages import Command, Event, Message, MessageError, message_class
from kontor.messaging.scheduled import Schedule, ScheduledDelivery, ScheduledMessage
from kontor.messaging.tables import deliveries, outbox, scheduled_messages
from kontor.messaging.transports.inprocess import InProcessTransport
from kontor.messaging.uow import UnitOfWork

__all__ = [
    "DEAD",
    "DONE",
    "RETRYING",
    "Change",
    "ChangeLog",
    "ChangeLogs",
    "Clock",
    "Command",
    "DeadLetter",
    "DeliveryReport",
    "Dispatcher",
    "Event",
    "FakeClock",
    "FileClock",
    "HandlerRegistry",
    "InProcessTransport",
    "Message",
    "MessageBus",
    "MessageError",
    "RecordedChange",
    "RetryPolicy",
    "Schedule",
    "ScheduledDelivery",
    "ScheduledMessage",
    "Subscription",
    "SystemClock",
    "Transport",
    "UnitOfWork",
    "correlation",
    "current_correlation_id",
    "deliveries",
    "handler_name",
    "message_class",
    "outbox",
    "scheduled_messages",
]
