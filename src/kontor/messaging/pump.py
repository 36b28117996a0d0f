"""Background loop that retries due deliveries and replays messages stuck in the outbox."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Sequence

from kontor.messaging.clock import Clock
from kontor.messaging.delivery import Dispatcher

log = logging.getLogger(__name__)


class MessagePump:
    """Every ``interval`` seconds: due retries, (embedded) stale outbox rows, other due work.
    Woken in between (work became due), only the work that wakes announce (``on_wake``)."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        clock: Clock,
        interval: float,
        *,
        replay: bool,
        replay_after: dt.timedelta = dt.timedelta(seconds=30),
        also: Sequence[Callable[[], object]] = (),
        on_wake: Sequence[Callable[[], object]] = (),
    ) -> None:
        self._dispatcher = dispatcher
        self._clock = clock
        self._interval = interval
        self._replay = replay
        self._replay_after = replay_after
        self._also = tuple(also)
        self._on_wake = tuple(on_wake)
        self._full_round_at = -interval  # monotonic time of the last full round
        self._stop = threading.Event()
        self._woken = threading.Event()
        self._thread: threading.Thread | None = None
        self._round_started: dt.datetime | None = None  # the heartbeat /readyz looks at

    def start(self) -> None:
        """Start the loop in a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="kontor-pump", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Run the next round now rather than at the end of the interval (work became due)."""
        self._woken.set()

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the loop and wait for it at most ``timeout`` seconds; whether it stopped."""
        self._stop.set()
        self._woken.set()
        if self._thread is None:
            return True
        self._thread.join(timeout=timeout)
        return not self._thread.is_alive()

    def round_running_for(self) -> dt.timedelta:
        """How long the current round has been running (zero between rounds)."""
        started = self._round_started
        return dt.timedelta(0) if started is None else self._clock.now() - started

    def tick(self) -> None:
        """One round: retries, outbox rows older than the replay delay, then other due work."""
        self._round_started = self._clock.now()
        self._full_round_at = time.monotonic()
        try:
            while self._dispatcher.run_due_retries().handled:
                pass
            if self._replay:
                self._dispatcher.replay_undispatched(before=self._clock.now() - self._replay_after)
            for work in self._also:
                work()
        finally:
            self._round_started = None

    def _tick_woken(self) -> None:
        """A round between full ones: only the work that wakes announce."""
        self._round_started = self._clock.now()
        try:
            for work in self._on_wake:
                work()
        finally:
            self._round_started = None

    def _run(self) -> None:
        while True:
            woken = self._woken.wait(self._interval)
            self._woken.clear()  # a wake during the round runs one more round after it
            if self._stop.is_set():
                return
            try:
                if woken and time.monotonic() - self._full_round_at < self._interval:
                    self._tick_woken()  # the polls of a full round wait for their interval
                else:
                    self.tick()
            except Exception:
                log.exception("message pump round failed; trying again")
