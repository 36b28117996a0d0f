"""Trace context carried across processes: a W3C ``traceparent`` on messages and jobs, and spans.

Spans are recorded only when an OpenTelemetry tracer provider is installed (``kontor serve`` and
``kontor worker`` install one when ``KONTOR_OTLP_ENDPOINT`` is set); otherwise every function
here costs one check and records nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACE_PARENT = "traceparent"

_propagator = TraceContextTextMapPropagator()
_tracer = trace.get_tracer("kontor")

AttributeValue = str | int | float | bool


def tracing_is_on() -> bool:
    """Whether a tracer provider that records spans is installed in this process."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


def current_trace_parent() -> str | None:
    """The ``traceparent`` of the span in progress, to carry in a message or a job row."""
    if not trace.get_current_span().get_span_context().is_valid:
        return None
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get(TRACE_PARENT)


@contextmanager
def span(
    name: str,
    *,
    parent: str | None = None,
    follows: bool = False,
    kind: trace.SpanKind = trace.SpanKind.INTERNAL,
    attributes: Mapping[str, AttributeValue] | None = None,
) -> Iterator[None]:
    """Run the block in a span named ``name``.

    With ``follows`` the span continues the trace of ``parent`` (a ``traceparent`` carried in a
    message or a job row), or starts a new trace when there is none; without it, the span is a
    child of the span in progress.
    """
    if not tracing_is_on():
        yield
        return
    context = None
    if follows:
        carrier = {TRACE_PARENT: parent} if parent else {}
        context = _propagator.extract(carrier, context=otel_context.Context())
    with _tracer.start_as_current_span(name, context=context, kind=kind, attributes=attributes):
        yield
