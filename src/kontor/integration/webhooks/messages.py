"""Commands and events of webhooks."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from kontor.messaging import Command, Event


class WebhookSubscriptionDisabled(Event, type_name="webhooks.subscription_disabled"):
    """A subscription was switched off after a run of failed deliveries."""

    subscription_id: str
    url: str
    failures: int


class HandleInboundWebhook(Command, type_name="webhooks.handle_inbound"):
    """Turn a verified inbound webhook into the command its endpoint maps it to."""

    endpoint_id: str
    webhook_id: str
    body: Any = None
    headers: dict[str, str] = Field(default_factory=dict)
