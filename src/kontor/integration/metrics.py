"""Prometheus metrics of the integration layer: webhooks out and in, connector calls."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class IntegrationMetrics:
    """Counters and latencies per webhook subscription, inbound endpoint and connector task."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.deliveries = Counter(
            "kontor_webhook_deliveries",
            "Outbound webhook delivery attempts by subscription and outcome",
            ["subscription", "outcome"],
            registry=registry,
        )
        self.delivery_seconds = Histogram(
            "kontor_webhook_delivery_seconds",
            "Time of one outbound webhook delivery attempt",
            ["subscription"],
            registry=registry,
        )
        self.received = Counter(
            "kontor_webhook_received",
            "Inbound webhook requests by endpoint and outcome",
            ["endpoint", "outcome"],
            registry=registry,
        )
        self.connector_calls = Counter(
            "kontor_connector_calls",
            "REST connector calls by connection and outcome",
            ["connection", "outcome"],
            registry=registry,
        )
        self.connector_seconds = Histogram(
            "kontor_connector_call_seconds",
            "Time of one REST connector call, retries included",
            ["connection"],
            registry=registry,
        )
