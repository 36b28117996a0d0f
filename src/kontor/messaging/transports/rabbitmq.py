"""RabbitMQ transport (aio-pika): an outbox relay publishes, workers consume and deliver.

Delivery stays at least once end to end: the relay marks rows published only after the broker
confirmed them, and consumers acknowledge only after the handlers' transaction committed. The
inbox (delivery ledger) turns redeliveries into no-ops.

Messages travel in partitions, one durable queue each (``<queue>.<n>``) with a single active
consumer: a message's partition follows from its ordering key (its process instance, case or
task; ``kontor.messaging.partitions``), so one instance's messages are handled in commit order
while different instances spread over the workers. On PostgreSQL one relay at a time publishes
(a transaction-scoped advisory lock), in outbox order, and the workers share the partitions out
among themselves (``ownership``).

A row the relay finds alone goes out as one AMQP message (type, message id, tenant and trace
headers set). Rows of one partition found together go out in packs of up to ``PACK_SIZE`` rows
and ``PACK_BYTES`` in outbox order, one AMQP message of type ``kontor.pack`` each, whose body
lists the messages' bodies (every one with its envelope: message id, tenant, correlation, trace
context): a flood costs the broker and the client one message per pack instead of one per event.
The routing key is the partition's number, a dot and the message type (or ``kontor.pack``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from typing import Any

import aio_pika
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    bindparam,
    cast,
    func,
    select,
    true,
    update,
)

from kontor.db import connect_for_writing, json_codec
from kontor.db.fast import FastStatement
from kontor.db.lists import any_of_parameter
from kontor.messaging.clock import Clock
from kontor.messaging.messages import ENVELOPE_FIELDS, Message, restore_message
from kontor.messaging.partitions import ordering_key, partition_of
from kontor.messaging.tables import outbox
from kontor.messaging.tracing import TRACE_PARENT
from kontor.messaging.transports.consumers import (
    SINGLE_ACTIVE_CONSUMER,
    PartitionConsumers,
    partition_queues,
)
from kontor.messaging.transports.ownership import lock_kind, ownership_for

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 10.0  # how long a stop waits for the delivery in flight
PACK_SIZE = 100
"""Outbox rows one AMQP message carries at most."""
PACK_BYTES = 1 << 20
"""Body size a pack stays under (a row larger than that goes alone; brokers cap message size)."""
PACK_TYPE = "kontor.pack"
"""AMQP type of a message carrying several outbox rows (routed as ``<partition>.kontor.pack``)."""

REBALANCE_SECONDS = 1.0
"""How often at most a worker looks whether its share of the partitions changed."""
RELAY_BATCH = 1000
"""How many outbox rows the relay publishes at most in one transaction."""
RELAY_BUSY_SECONDS = 0.02
"""How long a relay waits before it asks again while another relay publishes."""
_RELAY = select(
    func.pg_try_advisory_xact_lock(cast(bindparam("b_kind"), Integer), 0).label("alone")
).cte("relay")
_WAITING = (
    select(outbox)
    .where(_RELAY.c.alone, outbox.c.published_at.is_(None))
    .order_by(outbox.c.position)
    .limit(bindparam("b_limit"))
    .with_for_update(skip_locked=True)
    .lateral("waiting")
)
_LOCK_AND_READ = FastStatement(
    select(_RELAY.c.alone, _WAITING).select_from(_RELAY.outerjoin(_WAITING, true()))
)
"""PostgreSQL: the relays' lock for the transaction and, only if it was free, the oldest
unpublished rows (one row with ``alone`` false and no message when another relay has it)."""
_MARK_PUBLISHED = FastStatement(
    update(outbox)
    .where(any_of_parameter(outbox.c.message_id, "b_ids"))
    .values(published_at=bindparam("b_now"))
)

Deliver = Callable[[Sequence[Message]], object]


class RabbitMQTransport:
    """Relays the outbox to a RabbitMQ exchange and consumes it, on a background event loop."""

    def __init__(
        self,
        url: str,
        engine: Engine,
        clock: Clock,
        *,
        exchange: str = "kontor.messages",
        queue: str = "kontor.messages",
        prefetch: int = 500,
        poll_seconds: float = 1.0,
        partitions: int = 8,
    ) -> None:
        self._url = url
        self._engine = engine
        self._clock = clock
        self._exchange_name = exchange
        self._queue_name = queue
        self._prefetch = prefetch
        self._poll_seconds = poll_seconds
        self._partitions = partitions
        self._relay_lock = lock_kind(queue, "relay")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._connection: Any = None
        self._exchange: Any = None
        self._consumers: PartitionConsumers | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self, *, relay: bool = True, deliver: Deliver | None = None) -> None:
        """Connect and start the relay and/or a consumer that hands batches to ``deliver``."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="kontor-amqp", daemon=True
        )
        self._thread.start()
        self._call(self._connect())
        if relay:
            self._call(self._spawn(self._relay_forever()))
        if deliver is not None:
            self._call(self._spawn(self._consume(deliver)))

    def stop(self) -> None:
        """Stop relaying and consuming and close the connection."""
        if self._thread is None or self._loop is None:
            return
        try:
            self._call(self._shutdown())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()
            self._thread = None
            self._loop = None

    def committed(self, messages: Sequence[Message]) -> None:
        """Wake the relay: new rows are in the outbox."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Nothing to hold: the relay publishes committed rows in batches anyway."""
        yield

    def within_transaction(self) -> None:
        """None: messages reach their handlers through the broker, in other transactions."""
        return

    def consumed_partitions(self) -> set[int]:
        """The partitions this process consumes now (none unless it consumes)."""
        consumers = self._consumers
        return set() if consumers is None else consumers.consuming

    def check(self) -> None:
        """Raise unless the broker connection is open (readiness probe)."""
        if self._connection is None or self._connection.is_closed:
            raise ConnectionError("RabbitMQ connection is not open")

    # -- internals -----------------------------------------------------------------------------
    def _call(self, coroutine: Any) -> Any:
        assert self._loop is not None, "transport not started"
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout=60)

    async def _spawn(self, coroutine: Any) -> None:
        self._tasks.append(asyncio.get_running_loop().create_task(coroutine))

    async def _connect(self) -> None:
        self._connection = await aio_pika.connect_robust(self._url)
        channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await channel.declare_exchange(
            self._exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        # Declared by publishers too, so nothing published before the first worker is lost.
        for partition, name in enumerate(partition_queues(self._queue_name, self._partitions)):
            queue = await channel.declare_queue(
                name, durable=True, arguments=SINGLE_ACTIVE_CONSUMER
            )
            await queue.bind(self._exchange, routing_key=f"{partition}.#")

    async def _shutdown(self) -> None:
        self._stopping.set()
        self._wake.set()
        # The loops end at their next check: a batch being delivered is finished and
        # acknowledged first, rather than left running in its thread after the stop.
        running = set(self._tasks)
        if running:
            _, running = await asyncio.wait(running, timeout=STOP_GRACE_SECONDS)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        if self._connection is not None:
            await self._connection.close()

    async def _relay_forever(self) -> None:
        while not self._stopping.is_set():
            # A commit from here on wakes the next round: rows committed while this one reads
            # and publishes are not left waiting, and a round that found everything is not
            # followed by one that reads nothing.
            self._wake.clear()
            try:
                published = await self._publish_batch(RELAY_BATCH)
            except Exception:
                log.exception("outbox relay failed; retrying")
                published = 0
            if published is None:  # another relay is publishing: it may leave rows behind
                await asyncio.sleep(RELAY_BUSY_SECONDS)
                continue
            if published == RELAY_BATCH:  # more may be waiting
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)

    async def _publish_batch(self, limit: int) -> int | None:
        """Publish up to ``limit`` unpublished rows in outbox order; how many (None: another
        relay is publishing)."""
        with connect_for_writing(self._engine) as connection:
            rows = self._unpublished(connection, limit)
            if not rows:  # a commit, not a rollback, keeps psycopg's prepared statements
                connection.commit()
                return None if rows is None else 0
            await asyncio.gather(
                *(
                    self._exchange.publish(message, routing_key, mandatory=True)
                    for message, routing_key in _to_amqp(rows, self._partitions)
                )
            )
            ids, now = [row.message_id for row in rows], self._clock.now()
            if connection.dialect.name == "postgresql":
                _MARK_PUBLISHED.execute(connection, {"b_ids": ids, "b_now": now})
            else:
                connection.execute(
                    update(outbox).where(outbox.c.message_id.in_(ids)).values(published_at=now)
                )
            connection.commit()
        return len(rows)

    def _unpublished(self, connection: Connection, limit: int) -> list[Any] | None:
        """The oldest unpublished rows, or None when another relay holds the relays' lock.

        On PostgreSQL the transaction-scoped lock is taken in the same statement (one round
        trip): while one relay publishes, no other publishes rows in between, so one
        instance's messages stay in order. On SQLite the write transaction is alone anyway.
        """
        if connection.dialect.name != "postgresql":
            query = (
                select(outbox)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.position)
                .limit(limit)
            )
            return list(connection.execute(query).all())
        found = _LOCK_AND_READ.all_rows(connection, {"b_kind": self._relay_lock, "b_limit": limit})
        if not found[0].alone:
            return None
        return [row for row in found if row.message_id is not None]

    async def _consume(self, deliver: Deliver) -> None:
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=self._prefetch)
        arrived: asyncio.Queue[Any] = asyncio.Queue()
        ownership = ownership_for(self._engine, self._queue_name, self._partitions)
        balance_seconds = max(self._poll_seconds, REBALANCE_SECONDS)
        consumers = PartitionConsumers(
            channel, self._queue_name, ownership, arrived, balance_seconds
        )
        self._consumers = consumers
        try:
            while not self._stopping.is_set():
                await consumers.balance_if_due()
                try:
                    batch = [await asyncio.wait_for(arrived.get(), timeout=self._poll_seconds)]
                except TimeoutError:
                    continue
                # Gather what arrives within a few milliseconds into one transaction.
                events = _events_in(batch[0])
                while events < self._prefetch:
                    try:
                        batch.append(await asyncio.wait_for(arrived.get(), timeout=0.005))
                    except TimeoutError:
                        break
                    events += _events_in(batch[-1])
                await self._deliver_batch(deliver, batch)
                consumers.settled(batch)
        finally:
            self._consumers = None
            await consumers.close()

    async def _deliver_batch(self, deliver: Deliver, batch: list[Any]) -> None:
        messages = [message for incoming in batch for message in _from_amqp(incoming.body)]
        try:
            await asyncio.to_thread(deliver, messages)
        except Exception:
            log.exception("delivering %d messages failed; returning them to the queue", len(batch))
            for incoming in batch:
                await incoming.nack(requeue=True)
            return
        await batch[-1].ack(multiple=True)  # one frame acknowledges the whole batch


def _to_amqp(rows: Sequence[Any], partitions: int) -> Iterator[tuple[aio_pika.Message, str]]:
    """Yield the AMQP messages and routing keys for outbox rows: alone, or in packs of one
    partition's rows, each partition's in outbox order."""
    packs: dict[int, tuple[list[tuple[Any, bytes]], int]] = {}
    for row in rows:
        partition = partition_of(ordering_key(row.payload, row.correlation_id), partitions)
        body = json_codec.dumps(_body(row)).encode()  # exact Decimals, as the outbox holds them
        pack, size = packs.get(partition, ([], 0))
        if pack and (len(pack) == PACK_SIZE or size + len(body) + 1 > PACK_BYTES):
            yield _packed(partition, pack)
            pack, size = [], 0
        pack.append((row, body))
        packs[partition] = (pack, size + len(body) + 1)  # and its comma
    for partition, (pack, _) in packs.items():
        if pack:
            yield _packed(partition, pack)


def _packed(partition: int, pack: list[tuple[Any, bytes]]) -> tuple[aio_pika.Message, str]:
    if len(pack) == 1:
        row, body = pack[0]
        return _single(row, body), f"{partition}.{row.type_name}"
    message = aio_pika.Message(
        b'{"pack":[' + b",".join(body for _, body in pack) + b"]}",
        content_type="application/json",
        message_id=f"{pack[0][0].message_id}+{len(pack) - 1}",
        type=PACK_TYPE,
        headers={"count": len(pack)},
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )
    return message, f"{partition}.{PACK_TYPE}"


def _single(row: Any, body: bytes) -> aio_pika.Message:
    headers: dict[str, Any] = {"tenant_id": row.tenant_id}
    if row.trace_parent:  # in the header other tools read; Kontor restores it from the envelope
        headers[TRACE_PARENT] = row.trace_parent
    return aio_pika.Message(
        body,
        content_type="application/json",
        message_id=row.message_id,
        correlation_id=row.correlation_id,
        type=row.type_name,
        headers=headers,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


def _body(row: Any) -> dict[str, Any]:
    envelope = {name: getattr(row, name) for name in ENVELOPE_FIELDS}
    envelope["occurred_at"] = envelope["occurred_at"].isoformat()
    return {
        "type_name": row.type_name,
        "schema_version": row.schema_version,
        "envelope": envelope,
        "payload": row.payload,
    }


def _events_in(incoming: Any) -> int:
    count = (incoming.headers or {}).get("count") if incoming.type == PACK_TYPE else None
    return count if isinstance(count, int) and count > 0 else 1


def _from_amqp(body: bytes) -> list[Message]:
    try:
        data = json_codec.loads(body)
        items = data.get("pack", [data])
    except Exception:
        log.exception("undecodable message on the queue; dropped")
        return []
    messages = []
    for item in items:
        try:
            messages.append(restore_message(item["type_name"], item["envelope"], item["payload"]))
        except Exception:
            log.exception("undecodable message on the queue; dropped")
    return messages
