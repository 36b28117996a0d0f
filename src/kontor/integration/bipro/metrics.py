"""Prometheus metrics of the BiPRO inbox: polls by outcome, their duration, shipments taken in."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class BiproMetrics:
    """Counters and the latency of inbox polls."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.polls = Counter(
            "kontor_bipro_polls",
            "Polls of BiPRO portal accesses by outcome (ok, failed)",
            ["outcome"],
            registry=registry,
        )
        self.poll_seconds = Histogram(
            "kontor_bipro_poll_seconds",
            "Time of one poll of a portal access: token, list, fetch, store, acknowledge",
            registry=registry,
        )
        self.shipments = Counter(
            "kontor_bipro_shipments_imported",
            "Shipments stored in the document inbox",
            registry=registry,
        )
