"""PostgreSQL ``LISTEN`` in a daemon thread: callbacks per channel, told when listening stops."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping

import psycopg
from psycopg import sql
from sqlalchemy import Engine

log = logging.getLogger(__name__)


class ChannelListener:
    """LISTENs on PostgreSQL channels and calls a channel's callback on every notification.

    Once listening (and again after every reconnect) each callback is called once, for what was
    announced while nobody listened, and ``on_listening`` is called; when the connection fails,
    ``on_lost`` is called before the next attempt.
    """

    def __init__(
        self,
        conninfo: str,
        channels: Mapping[str, Callable[[], None]],
        *,
        on_listening: Callable[[], None] = lambda: None,
        on_lost: Callable[[], None] = lambda: None,
        retry_seconds: float = 1.0,
    ) -> None:
        self._conninfo = conninfo
        self._channels = dict(channels)
        self._on_listening = on_listening
        self._on_lost = on_lost
        self._retry_seconds = retry_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kontor-listen", daemon=True)

    def start(self) -> None:
        """Start listening."""
        self._thread.start()

    def stop(self) -> None:
        """Stop listening (within a second)."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._on_lost()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except psycopg.Error as error:
                log.warning("listening on PostgreSQL failed (%s); retrying", error)
            self._on_lost()
            self._stop.wait(self._retry_seconds)

    def _listen(self) -> None:
        with psycopg.connect(
            self._conninfo, autocommit=True, application_name=f"kontor-{os.getpid()}-listen"
        ) as connection:
            for channel in self._channels:
                connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            for callback in self._channels.values():
                callback()  # what was announced while nobody listened
            self._on_listening()
            while not self._stop.is_set():
                for notification in connection.notifies(timeout=1.0, stop_after=1):
                    heard = self._channels.get(notification.channel)
                    if heard is not None:
                        heard()


def listen(
    engine: Engine,
    channels: Mapping[str, Callable[[], None]],
    on_listening: Callable[[], None] = lambda: None,
    on_lost: Callable[[], None] = lambda: None,
) -> ChannelListener | None:
    """A started listener on ``engine``'s database; None on SQLite or without channels."""
    if engine.dialect.name != "postgresql" or not channels:
        return None
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    listener = ChannelListener(url, channels, on_listening=on_listening, on_lost=on_lost)
    listener.start()
    return listener
