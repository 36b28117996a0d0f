"""Tracing context carried from an HTTP request into messages and log lines."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_correlation_id: ContextVar[str | None] = ContextVar("kontor_correlation_id", default=None)


def current_correlation_id() -> str | None:
    """The correlation id of the work in progress, if any."""
    return _correlation_id.get()


@contextmanager
def correlation(correlation_id: str | None) -> Iterator[None]:
    """Run the block with ``correlation_id`` as the current correlation id."""
    token = _correlation_id.set(correlation_id)
    try:
        yield
    finally:
        _correlation_id.reset(token)
