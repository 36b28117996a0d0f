"""A worker's consumers on the partition queues it owns, handed over without reordering.

A partition is given up in three steps: its consumer is cancelled (nothing more arrives), what
arrived from it is delivered and acknowledged, and only then is it released for another worker
to take. Its queue has a single active consumer besides, so even a worker that lost its claim
unnoticed never receives a partition's messages beside another.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from kontor.messaging.transports.ownership import Ownership

SINGLE_ACTIVE_CONSUMER = {"x-single-active-consumer": True}


def partition_queue(queue: str, partition: int) -> str:
    """The name of partition ``partition``'s queue."""
    return f"{queue}.{partition}"


def partition_queues(queue: str, partitions: int) -> list[str]:
    """The names of all partition queues of ``queue``."""
    return [partition_queue(queue, partition) for partition in range(partitions)]


def partition_of_routing_key(routing_key: str) -> int:
    """The partition a message was routed to: the number in front of its routing key."""
    return int(routing_key.partition(".")[0])


class PartitionConsumers:
    """Consumes the partitions ``ownership`` grants into ``arrived``; rebalances now and then."""

    def __init__(
        self,
        channel: Any,
        queue: str,
        ownership: Ownership,
        arrived: asyncio.Queue[Any],
        balance_seconds: float,
    ) -> None:
        self._channel = channel
        self._queue = queue
        self._ownership = ownership
        self._arrived = arrived
        self._balance_seconds = balance_seconds
        self._consuming: dict[int, tuple[Any, str]] = {}
        self._draining: set[int] = set()
        self._unsettled: Counter[int] = Counter()
        self._balanced_at = -balance_seconds

    @property
    def consuming(self) -> set[int]:
        """The partitions consumed now."""
        return set(self._consuming)

    async def balance_if_due(self) -> None:
        """Rebalance when the last rebalance is ``balance_seconds`` old."""
        if time.monotonic() - self._balanced_at >= self._balance_seconds:
            await self.balance()

    async def balance(self) -> None:
        """Consume what ownership grants now, give up the rest, release what is drained."""
        self._balanced_at = time.monotonic()
        wanted = await asyncio.to_thread(self._ownership.rebalance, set(self._draining))
        for partition in sorted(set(self._consuming) - wanted):
            queue, tag = self._consuming.pop(partition)
            await queue.cancel(tag)
            self._draining.add(partition)
        for partition in sorted(wanted - set(self._consuming) - self._draining):
            queue = await self._channel.declare_queue(
                partition_queue(self._queue, partition),
                durable=True,
                arguments=SINGLE_ACTIVE_CONSUMER,
            )
            self._consuming[partition] = (queue, await queue.consume(self._arrive))
        await self._release_drained()

    def settled(self, batch: Sequence[Any]) -> None:
        """Messages of ``batch`` were acknowledged or returned to their queues."""
        for incoming in batch:
            self._unsettled[partition_of_routing_key(incoming.routing_key)] -= 1

    async def close(self) -> None:
        """Stop consuming and release every partition: the channel closes first, so what it
        received and did not acknowledge is back in its queue before another worker may take
        the partition."""
        self._consuming.clear()
        try:
            await self._channel.close()
        finally:
            await asyncio.to_thread(self._ownership.close)

    async def _arrive(self, incoming: Any) -> None:
        self._unsettled[partition_of_routing_key(incoming.routing_key)] += 1
        await self._arrived.put(incoming)

    async def _release_drained(self) -> None:
        for partition in sorted(self._draining):
            if self._unsettled[partition] <= 0:
                await asyncio.to_thread(self._ownership.release, partition)
                self._draining.discard(partition)
