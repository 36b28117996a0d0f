"""Wiring webhooks into the bus: the fan-out of events, the inbound command, notifications."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kontor.integration.expressions import Expressions
from kontor.integration.webhooks.inbound import InboundHandler
from kontor.integration.webhooks.messages import HandleInboundWebhook, WebhookSubscriptionDisabled
from kontor.integration.webhooks.sender import WebhookSender
from kontor.integration.webhooks.subscriptions import queue_deliveries, read_subscriptions_ahead
from kontor.messaging import Event, HandlerRegistry
from kontor.platform import ADMINISTRATORS, SecretBox
from kontor.platform.notifications import GroupMembers, Notice, NotificationRules

FAN_OUT = "kontor.integration.webhooks.queue_deliveries"


@dataclass
class Webhooks:
    """What the API needs of webhooks: the secret box, FEEL, and the events one may subscribe to."""

    box: SecretBox
    expressions: Expressions
    event_types: frozenset[str]
    sender: WebhookSender | None = field(default=None)


def register_webhooks(
    registry: HandlerRegistry,
    box: SecretBox,
    expressions: Expressions,
    events: Sequence[type[Event]],
) -> Webhooks:
    """Queue deliveries for ``events`` and handle inbound webhooks on ``registry``."""
    for event_type in events:
        registry.subscribe(
            event_type, queue_deliveries, name=FAN_OUT, read_ahead=read_subscriptions_ahead
        )
    registry.register_command(HandleInboundWebhook, InboundHandler(expressions, box))
    return Webhooks(box, expressions, frozenset(e.type_name for e in events))


def declare_notifications(rules: NotificationRules) -> None:
    """A subscription switched off for failures notifies the tenant's administrators."""
    rules.notify(WebhookSubscriptionDisabled, _disabled, [GroupMembers(ADMINISTRATORS)])


def _disabled(event: WebhookSubscriptionDisabled) -> Notice:
    return Notice(
        f"Webhook abgeschaltet nach {event.failures} fehlgeschlagenen Zustellungen",
        {"subscription_id": event.subscription_id},
    )
