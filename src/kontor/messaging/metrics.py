"""Prometheus view of the message backlog, read at scrape time."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from kontor.messaging.delivery import Dispatcher

log = logging.getLogger(__name__)


class BacklogCollector(Collector):
    """Reports undispatched outbox messages and retrying/dead deliveries."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the backlog gauges."""
        gauge = GaugeMetricFamily(
            "kontor_message_backlog", "Messages waiting for delivery", labels=["state"]
        )
        try:
            backlog = self._dispatcher.backlog()
        except Exception:
            return
        for state, count in backlog.items():
            gauge.add_metric([state], count)
        yield gauge
