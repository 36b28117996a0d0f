"""CPU seconds spent by groups of processes, and by the whole machine, between two readings.

Linux only (``/proc``). A process group's figure counts its processes' user and system time,
with their children that ended and were reaped; a process that ends between the readings is
counted through its parent's reaped-children time, so PostgreSQL's backends that come and go
are all counted through the postmaster.
"""

from __future__ import annotations

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its reaped children; 0 once it is gone."""
    try:
        fields = _stat(pid)
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / _TICK


def children(parent: int) -> list[int]:
    """The processes whose parent is ``parent``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(_stat(int(stat.parent.name))[1]) == parent:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def server_roots(command: str) -> list[int]:
    """Processes named ``command`` whose parent is not (PostgreSQL's postmaster, RabbitMQ's
    ``beam.smp``); empty when the server does not run on this machine."""
    roots = []
    for entry in Path("/proc").glob("[0-9]*/comm"):
        pid = int(entry.parent.name)
        try:
            if _command(pid) == command and _command(int(_stat(pid)[1])) != command:
                roots.append(pid)
        except (OSError, ValueError):
            continue
    return roots


def machine_busy_seconds() -> float:
    """CPU seconds all cores of the machine spent on anything but idling since boot."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and waiting for I/O
    return (sum(ticks[:8]) - idle) / _TICK


class CpuMeter:
    """CPU seconds between ``start`` and ``stop`` of named process trees (root pids, each
    counted with the children it has at each reading), of named single processes, and of the
    whole machine (``machine``)."""

    def __init__(self, trees: dict[str, list[int]], alone: dict[str, int] | None = None) -> None:
        self.trees, self.alone = trees, alone or {}
        self.spent: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        now = {
            name: sum(cpu_seconds(pid) for root in roots for pid in (root, *children(root)))
            for name, roots in self.trees.items()
        }
        now.update({name: cpu_seconds(pid) for name, pid in self.alone.items()})
        return {**now, "machine": machine_busy_seconds()}

    def start(self) -> None:
        """Take the first reading."""
        self.spent = self._now()

    def stop(self) -> None:
        """Keep the CPU seconds spent since ``start``."""
        self.spent = {name: value - self.spent[name] for name, value in self._now().items()}
