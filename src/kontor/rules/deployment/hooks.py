"""Hook points: named places where applications ask a deployed decision for an answer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kontor.rules.errors import UnknownHookPoint


@dataclass(frozen=True)
class HookPoint:
    """A place in an application where a bound decision decides (e.g. ``task.created``)."""

    name: str
    description: str


class HookRegistry:
    """The hook points the applications of one Kontor process declared."""

    def __init__(self, hook_points: Iterable[HookPoint] = ()) -> None:
        self._points: dict[str, HookPoint] = {}
        self.declare(*hook_points)

    def declare(self, *hook_points: HookPoint) -> None:
        """Add hook points; declaring the same one twice is harmless, a clash is not."""
        for point in hook_points:
            known = self._points.get(point.name)
            if known is not None and known != point:
                raise ValueError(f"hook point {point.name!r} is declared twice, differently")
            self._points[point.name] = point

    def get(self, name: str) -> HookPoint:
        """The hook point called ``name``; raises ``UnknownHookPoint`` naming it otherwise."""
        point = self._points.get(name)
        if point is None:
            raise UnknownHookPoint(f"no application declares the hook point {name!r}", hook=name)
        return point

    def all(self) -> list[HookPoint]:
        """Every declared hook point, by name."""
        return sorted(self._points.values(), key=lambda point: point.name)

    def __contains__(self, name: object) -> bool:
        return name in self._points
