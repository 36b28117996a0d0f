"""Principals of recently seen sessions and tokens, kept in memory while PostgreSQL says what
changed.

On PostgreSQL every request's credential lookup is a round trip. The cache answers a credential
seen a moment ago from memory and forgets everything the moment anything it rests on changes:

- in this process, when a transaction that wrote the users, groups, memberships, grants,
  sessions, tokens, tenants or second factors commits (``watch_principal_changes`` marks it
  while it runs; only a session's or token's last-seen time leaves the cache alone);
- in every process, by the ``NOTIFY`` on ``CHANNEL`` that triggers on those tables send with
  the commit (migration 0040), which also covers changes made outside Kontor.

It answers only while its process is listening on ``CHANNEL``: before the listener connects and
after it lost its connection, every request reads the database as without a cache. SQLite has
no notifications; there Kontor reads the credential on every request (a local read).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, event

from kontor.platform.principal_lookup import Found
from kontor.platform.tables import (
    api_tokens,
    grants,
    groups,
    memberships,
    second_factors,
    sessions,
    users,
)
from kontor.platform.tenants import tenants

CHANNEL = "kontor_principals"
"""The PostgreSQL channel the tables' triggers notify when a principal may have changed."""

_CHANGED = "kontor_principals_changed"
_RESTING_ON = (users, groups, memberships, grants, sessions, api_tokens, tenants, second_factors)
_WRITE = re.compile(
    r"""^\s*(?P<verb>INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+
        (?:"?\w+"?\.)?"?(?P<table>"""
    + "|".join(table.name for table in _RESTING_ON)
    + r""")"?(?:\s|$|\()""",
    re.IGNORECASE | re.VERBOSE,
)
_INSERT_CHANGES = frozenset(table.name for table in (memberships, grants, second_factors))
"""Tables where a new row changes a principal (a new user, session or group changes none)."""
_SET = re.compile(r"\bSET\s+(.*?)(?:\bWHERE\b|\bRETURNING\b|$)", re.IGNORECASE | re.DOTALL)
_SEEN_COLUMNS = frozenset({"last_seen_at", "last_used_at"})


class PrincipalCache:
    """Credential lookups by secret hash, valid until the next change (see the module)."""

    def __init__(self, capacity: int = 10_000, max_age_seconds: float = 60.0) -> None:
        self._capacity = capacity
        self._max_age = max_age_seconds
        self._entries: dict[str, tuple[Found, float]] = {}
        self._lock = threading.Lock()
        self._epoch = 0
        self._listening = False
        self.hits = 0
        self.misses = 0

    @property
    def answering(self) -> bool:
        """Whether the process listens for changes, so that the cache may answer."""
        return self._listening

    @property
    def epoch(self) -> int:
        """The number of invalidations so far: take it before a lookup, give it to ``put``."""
        return self._epoch

    def get(self, secret_hash: str) -> Found | None:
        """The cached lookup of a secret, if the cache may answer and holds a fresh one."""
        entry = self._entries.get(secret_hash) if self._listening else None
        if entry is None or time.monotonic() - entry[1] > self._max_age:
            self.misses += 1
            return None
        self.hits += 1
        return entry[0]

    def put(self, secret_hash: str, found: Found, epoch: int) -> None:
        """Keep a lookup, unless something changed since ``epoch`` was taken."""
        with self._lock:
            if not self._listening or epoch != self._epoch:
                return
            if len(self._entries) >= self._capacity:
                del self._entries[next(iter(self._entries))]  # the oldest
            self._entries[secret_hash] = (found, time.monotonic())

    def seen(self, secret_hash: str, found: Found) -> None:
        """Keep the last-seen time a request has just written (the principal is unchanged)."""
        with self._lock:
            entry = self._entries.get(secret_hash)
            if entry is not None and entry[0].credential_id == found.credential_id:
                self._entries[secret_hash] = (found, entry[1])

    def clear(self) -> None:
        """Forget every lookup (something a principal rests on changed)."""
        with self._lock:
            self._epoch += 1
            self._entries.clear()

    def listening(self) -> None:
        """The process listens for changes: the cache may answer from now on."""
        self.clear()
        self._listening = True

    def deaf(self) -> None:
        """The process no longer hears changes: answer nothing until it listens again."""
        self._listening = False
        self.clear()

    def channels(self) -> dict[str, Callable[[], None]]:
        """The channel to listen on and what to do on a notification."""
        return {CHANNEL: self.clear}


def watch_principal_changes(engine: Engine, cache: PrincipalCache) -> None:
    """Clear ``cache`` when a transaction of ``engine`` that wrote a principal's tables commits."""

    def mark(
        connection: Connection, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any
    ) -> None:
        if changes_principals(statement):
            connection.info[_CHANGED] = True

    def commit(connection: Connection) -> None:
        if connection.info.pop(_CHANGED, False):
            cache.clear()

    def rollback(connection: Connection) -> None:
        connection.info.pop(_CHANGED, None)

    event.listen(engine, "before_cursor_execute", mark)
    event.listen(engine, "commit", commit)
    event.listen(engine, "rollback", rollback)


@lru_cache(maxsize=2048)
def changes_principals(statement: str) -> bool:
    """Tell whether a statement writes what a principal rests on (not only a last-seen time)."""
    write = _WRITE.match(statement)
    if write is None:
        return False
    verb = write.group("verb")[:6].upper()
    if verb == "INSERT":
        return write.group("table").lower() in _INSERT_CHANGES
    if verb != "UPDATE":
        return True
    assignments = _SET.search(statement, write.end())
    if assignments is None:
        return True
    columns = {
        part.split("=", 1)[0].strip().strip('"').lower()
        for part in assignments.group(1).split(",")
        if "=" in part
    }
    return not columns <= _SEEN_COLUMNS
