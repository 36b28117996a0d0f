"""Logging (structured: JSON in production, readable in development), metrics and traces."""

from __future__ import annotations

import logging
import os
import sys
from contextvars import ContextVar
from typing import Any

import structlog
from opentelemetry import trace

from kontor.messaging import current_correlation_id
from kontor.messaging.tracing import tracing_is_on

request_id_var: ContextVar[str | None] = ContextVar("kontor_request_id", default=None)

_SENSITIVE = ("password", "secret", "token", "authorization", "api_key")


def _add_trace_ids(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    request_id = request_id_var.get()
    if request_id:
        event.setdefault("request_id", request_id)
    correlation_id = current_correlation_id()
    if correlation_id:
        event.setdefault("correlation_id", correlation_id)
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        event.setdefault("trace_id", trace.format_trace_id(span_context.trace_id))
    return event


def _mask_sensitive(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in event:
        if any(word in key.lower() for word in _SENSITIVE):
            event[key] = "********"
    return event


def configure_logging(level: str = "INFO", *, json_lines: bool = False) -> None:
    """Route stdlib and structlog records through one formatter with request/correlation ids."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace_ids,
        _mask_sensitive,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def configure_tracing(otlp_endpoint: str | None, service_name: str, role: str) -> bool:
    """Export this process's spans over OTLP/HTTP to ``otlp_endpoint``; whether tracing is on.

    Once per process (OpenTelemetry keeps the first tracer provider): ``role`` (serve, worker)
    and the process id tell the processes of one service apart in the traces.
    """
    if not otlp_endpoint or tracing_is_on():
        return tracing_is_on()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create(
        {
            "service.name": service_name,
            "service.instance.id": f"{role}-{os.getpid()}",
            "kontor.role": role,
        }
    )
    provider = TracerProvider(resource=resource)  # flushes its spans when the process exits
    exporter = OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return True
