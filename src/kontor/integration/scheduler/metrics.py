"""Prometheus view of the schedules: runs by result and lateness per schedule, read at scrape."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, case, func, select

from kontor.db import reading
from kontor.integration.scheduler.tables import schedule_runs, schedules
from kontor.messaging import deliveries

log = logging.getLogger(__name__)


class ScheduleCollector(Collector):
    """Reports each schedule's runs by result (done, failed, missed, …) and their lateness."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        """Yield the run counters and the lateness sums."""
        runs = CounterMetricFamily(
            "kontor_schedule_runs",
            "Runs of a schedule by result of its command",
            labels=["tenant", "schedule", "result"],
        )
        lateness = CounterMetricFamily(
            "kontor_schedule_lateness_seconds",
            "Sum of the time from due to fired over a schedule's runs",
            labels=["tenant", "schedule"],
        )
        try:
            counted, late = self._read()
        except Exception:  # a scrape must not fail because the database is away
            log.warning("schedule metrics unavailable", exc_info=True)
            return
        for (tenant, name, result), count in counted.items():
            runs.add_metric([tenant, name, result], count)
        for (tenant, name), seconds in late.items():
            lateness.add_metric([tenant, name], seconds)
        yield runs
        yield lateness

    def _read(self) -> tuple[dict[tuple[str, str, str], int], dict[tuple[str, str], float]]:
        result = case(
            (schedule_runs.c.outcome == "missed", "missed"),
            (deliveries.c.status == "done", "done"),
            (deliveries.c.status == "dead", "failed"),
            (deliveries.c.status == "retrying", "retrying"),
            else_="pending",
        ).label("result")
        joined = schedule_runs.join(
            schedules, schedules.c.schedule_id == schedule_runs.c.schedule_id
        ).outerjoin(deliveries, deliveries.c.message_id == schedule_runs.c.message_id)
        query = (
            select(
                schedules.c.tenant_id, schedules.c.name, result, func.count(),
                func.sum(schedule_runs.c.lateness_ms),
            )
            .select_from(joined)
            .group_by(schedules.c.tenant_id, schedules.c.name, result)
        )  # fmt: skip
        counted: dict[tuple[str, str, str], int] = {}
        late: dict[tuple[str, str], float] = {}
        with reading(self._engine) as connection:
            for tenant, name, outcome, count, lateness_ms in connection.execute(query):
                counted[(tenant, name, outcome)] = int(count)
                late[(tenant, name)] = late.get((tenant, name), 0.0) + (lateness_ms or 0) / 1000
        return counted, late
