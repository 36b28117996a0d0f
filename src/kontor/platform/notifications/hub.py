"""In-process fan-out: wakes the live streams of this process when their user is notified.

The table stays the one source of truth; a wake only tells a waiting stream to look now instead
of at its next poll. Notifications written by another process (scaled out) reach the stream by
that poll, so a lost or foreign wake delays a notification but never loses it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(eq=False)
class _Listener:
    loop: asyncio.AbstractEventLoop
    wake: asyncio.Event = field(default_factory=asyncio.Event)


class NotificationHub:
    """Live streams waiting per (tenant, user); wakes may come from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[tuple[str, str], set[_Listener]] = {}

    @contextmanager
    def listening(self, tenant_id: str, user_id: str) -> Iterator[asyncio.Event]:
        """An event of the running loop that is set whenever the user is notified."""
        listener = _Listener(asyncio.get_running_loop())
        key = (tenant_id, user_id)
        with self._lock:
            self._listeners.setdefault(key, set()).add(listener)
        try:
            yield listener.wake
        finally:
            with self._lock:
                waiting = self._listeners[key]
                waiting.discard(listener)
                if not waiting:
                    del self._listeners[key]

    def wake(self, tenant_id: str, user_ids: Iterable[str]) -> None:
        """Tell the users' streams in this process that they have new notifications."""
        with self._lock:
            listeners = [
                listener
                for user_id in user_ids
                for listener in self._listeners.get((tenant_id, user_id), ())
            ]
        for listener in listeners:
            try:
                listener.loop.call_soon_threadsafe(listener.wake.set)
            except RuntimeError:  # its loop closed meanwhile: the stream is gone
                continue
