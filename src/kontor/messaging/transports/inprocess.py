"""In-process transport: the handlers of a transaction's messages run inside it, in the same
process; what could not (a handler failed, a flood) is delivered right after its commit."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from kontor.messaging.messages import Message
from kontor.messaging.uow import DeliverWithin

log = logging.getLogger(__name__)

Deliver = Callable[[Sequence[Message]], object]


class InProcessTransport:
    """Queues committed messages and delivers them in batches once the outermost commit ends.

    Messages emitted by handlers join the queue and are delivered by the same drain loop, so
    delivery never recurses. A failed batch stays in the outbox and is replayed later.
    """

    def __init__(self, batch_size: int = 500) -> None:
        self._queue: deque[Message] = deque()
        self._local = threading.local()
        self._deliver: Deliver | None = None
        self._deliver_within: DeliverWithin | None = None
        self._batch_size = batch_size

    def connect(self, deliver: Deliver, within: DeliverWithin | None = None) -> None:
        """Set the functions that deliver a batch after its commit and, if given, inside the
        transaction that emits it (the dispatcher's)."""
        self._deliver = deliver
        self._deliver_within = within

    def within_transaction(self) -> DeliverWithin | None:
        """What delivers messages inside the transaction that emits them (if connected)."""
        return self._deliver_within

    def committed(self, messages: Sequence[Message]) -> None:
        """Queue committed messages and deliver them unless this thread is already delivering."""
        self._queue.extend(messages)
        if not getattr(self._local, "draining", False):
            self.drain()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Queue what this thread commits in the block; deliver it together when the block ends."""
        outer = getattr(self._local, "draining", False)
        self._local.draining = True
        try:
            yield
        finally:
            self._local.draining = outer
        if not outer:
            self.drain()

    def drain(self) -> None:
        """Deliver everything queued, including messages emitted while delivering."""
        if self._deliver is None:
            raise RuntimeError("in-process transport is not connected to a dispatcher")
        self._local.draining = True
        try:
            while self._queue:
                batch = self._take_batch()
                try:
                    self._deliver(batch)
                except Exception:
                    # The messages stay undispatched in the outbox; the pump replays them.
                    log.exception(
                        "delivering %d messages failed; they will be replayed", len(batch)
                    )
        finally:
            self._local.draining = False

    def _take_batch(self) -> list[Message]:
        batch: list[Message] = []
        while self._queue and len(batch) < self._batch_size:
            try:
                batch.append(self._queue.popleft())
            except IndexError:  # another thread took the last one
                break
        return batch
