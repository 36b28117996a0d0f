"""Throwaway PostgreSQL schemas and RabbitMQ names for benchmark runs (dropped afterwards)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import aio_pika
from sqlalchemy import text

from kontor import db
from kontor.messaging.transports.consumers import partition_queues
from kontor.settings import Settings


@contextmanager
def postgres_schema(url: str) -> Iterator[tuple[str, str]]:
    """Create a fresh schema; yield (url that uses it, schema name); drop it at the end."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = db.create_database_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}", schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def drop_broker_names(amqp: str, name: str) -> None:
    """Delete the exchange ``name`` and its partition queues from the broker."""

    async def drop() -> None:
        connection = await aio_pika.connect(amqp)
        async with connection:
            channel = await connection.channel()
            for queue in partition_queues(name, Settings().broker_partitions):
                await channel.queue_delete(queue)
            await channel.exchange_delete(name)

    asyncio.run(drop())
