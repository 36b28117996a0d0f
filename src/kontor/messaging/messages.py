"""Typed messages: commands (imperative, one handler) and events (past tense, any handlers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from kontor.db.ids import time_ordered_id
from kontor.errors import KontorError
from kontor.messaging.context import current_correlation_id
from kontor.messaging.tracing import current_trace_parent

_REGISTRY: dict[str, type[Message]] = {}


def _new_id() -> str:
    return time_ordered_id()  # outbox and ledger indexes grow at their end


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_AS_THEY_ARE = frozenset({str, int, float, bool, Decimal, type(None)})


def _json_ready(value: Any) -> Any:
    """A Python dump as JSON-compatible data, keeping ``Decimal`` values as they are."""
    kind = type(value)
    if kind in _AS_THEY_ARE:  # most values: checked first, by their exact type
        return value
    if isinstance(value, dict):
        return {key if type(key) is str else str(key): _json_ready(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(_json_ready(item) for item in value)
    if isinstance(value, Enum):
        return _json_ready(value.value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if value is None or isinstance(value, str | int | float | Decimal):
        return value
    return str(value)  # UUIDs, paths: their text, as JSON mode gives


class MessageError(KontorError):
    """A message could not be built, found or decoded."""

    code = "messaging.invalid_message"


class Message(BaseModel):
    """Base of every command and event: identity, tenant, tracing and time metadata.

    ``trace_parent`` (W3C ``traceparent``) continues the trace of the span that emitted the
    message wherever it is handled, in this process or another.

    Subclasses name themselves with the class keyword ``type_name`` (stable across refactors)
    and may raise ``schema_version`` when their payload changes shape.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type_name: ClassVar[str] = ""
    schema_version: ClassVar[int] = 1

    message_id: str = Field(default_factory=_new_id)
    tenant_id: str
    correlation_id: str = Field(default_factory=lambda: current_correlation_id() or _new_id())
    causation_id: str | None = None
    occurred_at: dt.datetime = Field(default_factory=_now)
    trace_parent: str | None = Field(default_factory=current_trace_parent)

    def __init_subclass__(cls, type_name: str = "", version: int = 1, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not type_name:
            return  # an abstract intermediate base
        existing = _REGISTRY.get(type_name)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise MessageError(f"message type name {type_name!r} is taken by {existing!r}")
        cls.type_name = type_name
        cls.schema_version = version
        _REGISTRY[type_name] = cls

    def payload(self) -> dict[str, Any]:
        """The message body without the envelope metadata, as JSON-compatible data.

        ``Decimal`` values stay ``Decimal`` (JSON mode would make strings of them, and a
        variable holding an amount would come back from the outbox as text); Kontor's JSON
        codec writes them as exact JSON numbers.
        """
        ready: dict[str, Any] = _json_ready(self.model_dump(exclude=set(ENVELOPE_FIELDS)))
        return ready

    def caused(self, **envelope: Any) -> dict[str, Any]:
        """Envelope fields for a message caused by this one (same tenant and correlation)."""
        return {
            "tenant_id": self.tenant_id,
            "correlation_id": self.correlation_id,
            "causation_id": self.message_id,
            **envelope,
        }


ENVELOPE_FIELDS = (
    "message_id",
    "tenant_id",
    "correlation_id",
    "causation_id",
    "occurred_at",
    "trace_parent",
)


class Command(Message):
    """A request to change state; handled by exactly one handler.

    ``actor`` is the user on whose behalf it is made (None: Kontor itself); the audit log
    records it with the change.
    """

    actor: str | None = None


class Event(Message):
    """A fact that happened; delivered at least once to every subscribed handler."""


def message_class(type_name: str) -> type[Message]:
    """The message class registered under ``type_name``."""
    try:
        return _REGISTRY[type_name]
    except KeyError:
        raise MessageError(f"unknown message type {type_name!r}") from None


def restore_message(type_name: str, envelope: dict[str, Any], payload: dict[str, Any]) -> Message:
    """Rebuild a message from its stored type name, envelope and payload."""
    return message_class(type_name).model_validate({**payload, **envelope})
