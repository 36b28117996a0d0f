"""Webhooks: signed outbound deliveries of events per subscription, and inbound endpoints that
turn verified payloads into commands."""

from kontor.integration.webhooks.deliveries import Attempt, Delivery, DeliveryLog
from kontor.integration.webhooks.inbound import (
    ACTIONS,
    Endpoint,
    EndpointDraft,
    EndpointStore,
    ReplayedWebhook,
)
from kontor.integration.webhooks.messages import HandleInboundWebhook, WebhookSubscriptionDisabled
from kontor.integration.webhooks.sender import SenderPolicy, WebhookSender
from kontor.integration.webhooks.signing import (
    SignatureRefused,
    hmac_signature,
    new_secret,
    standard_headers,
    verify_standard,
)
from kontor.integration.webhooks.subscriptions import (
    DELIVERED,
    PENDING,
    Subscription,
    SubscriptionDraft,
    SubscriptionStore,
)
from kontor.integration.webhooks.wiring import Webhooks, declare_notifications, register_webhooks

__all__ = [
    "ACTIONS",
    "DELIVERED",
    "PENDING",
    "Attempt",
    "Delivery",
    "DeliveryLog",
    "Endpoint",
    "EndpointDraft",
    "EndpointStore",
    "HandleInboundWebhook",
    "ReplayedWebhook",
    "SenderPolicy",
    "SignatureRefused",
    "Subscription",
    "SubscriptionDraft",
    "SubscriptionStore",
    "WebhookSender",
    "WebhookSubscriptionDisabled",
    "Webhooks",
    "declare_notifications",
    "hmac_signature",
    "new_secret",
    "register_webhooks",
    "standard_headers",
    "verify_standard",
]
