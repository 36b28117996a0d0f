"""Metrics of several server processes behind one port (``kontor serve --workers N``).

prometheus_client keeps every process's counters, gauges and histograms in files of one folder
when ``PROMETHEUS_MULTIPROC_DIR`` names it before the processes start; ``/metrics`` then adds
them up over the processes, whichever process answers the scrape. Collectors that read the
database (the message backlog, the schedules) answer as they do in one process.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import CollectorRegistry, Metric, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

FOLDER_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def shared_metrics_folder() -> Iterator[Path]:
    """A fresh folder shared by the processes started in the block; removed after it."""
    folder = tempfile.mkdtemp(prefix="kontor-metrics-")
    os.environ[FOLDER_VARIABLE] = folder
    try:
        yield Path(folder)
    finally:
        os.environ.pop(FOLDER_VARIABLE, None)
        shutil.rmtree(folder, ignore_errors=True)


def exposition(registry: CollectorRegistry) -> bytes:
    """The text of ``/metrics``: ``registry``'s metrics, those recorded in every process added
    up over the processes when they share a folder."""
    folder = os.environ.get(FOLDER_VARIABLE)
    if not folder:
        return generate_latest(registry)
    shared = CollectorRegistry()
    MultiProcessCollector(shared, path=folder)  # type: ignore[no-untyped-call]
    families = list(shared.collect())
    names = {family.name for family in families}
    own = [family for family in registry.collect() if family.name not in names]
    combined = CollectorRegistry()
    combined.register(_Families([*families, *own]))
    return generate_latest(combined)


def leave_shared_metrics() -> None:
    """Forget this process's live gauges (it stops); its counters stay in the sums."""
    folder = os.environ.get(FOLDER_VARIABLE)
    if folder:
        mark_process_dead(os.getpid(), folder)  # type: ignore[no-untyped-call]


class _Families(Collector):
    """Metric families collected already."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families
