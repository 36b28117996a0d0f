"""Prometheus view of the process steps running in this process, read at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from kontor.process.running_steps import RunningSteps


class RunningStepsCollector(Collector):
    """Reports how many process steps run now: one that stays up long is a runaway model."""

    def __init__(self, running: RunningSteps) -> None:
        self._running = running

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the running-steps gauge."""
        yield GaugeMetricFamily(
            "kontor_process_steps_running",
            "Process steps (everything up to the next wait states) running in this process",
            value=self._running.count(),
        )
