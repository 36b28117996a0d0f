"""A real OTLP/HTTP trace receiver: decodes what exporters send to ``/v1/traces``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from support.http_servers import serving


@dataclass(frozen=True)
class ReceivedSpan:
    """One exported span: its trace, name, kind and the process that recorded it."""

    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    role: str
    instance: str


class TraceCollector:
    """Keeps every span received, safe to read from the test's thread."""

    def __init__(self) -> None:
        self._spans: list[ReceivedSpan] = []
        self._lock = threading.Lock()

    def spans(self) -> list[ReceivedSpan]:
        """The spans received so far."""
        with self._lock:
            return list(self._spans)

    def trace(self, trace_id: str) -> list[ReceivedSpan]:
        """The spans received so far of one trace."""
        return [span for span in self.spans() if span.trace_id == trace_id]

    async def receive(self, request: Request) -> Response:
        """Decode one OTLP/HTTP protobuf export request and keep its spans."""
        export = ExportTraceServiceRequest()
        export.ParseFromString(await request.body())
        received = []
        for resource_spans in export.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                received.extend(
                    ReceivedSpan(
                        span.trace_id.hex(),
                        span.span_id.hex(),
                        span.parent_span_id.hex(),
                        span.name,
                        attributes.get("kontor.role", ""),
                        attributes.get("service.instance.id", ""),
                    )
                    for span in scope_spans.spans
                )
        with self._lock:
            self._spans.extend(received)
        return Response(
            ExportTraceServiceResponse().SerializeToString(),
            media_type="application/x-protobuf",
        )


@contextmanager
def otlp_receiver() -> Iterator[tuple[str, TraceCollector]]:
    """Serve an OTLP/HTTP receiver on 127.0.0.1; yields its base URL and what it received."""
    collector = TraceCollector()
    app = Starlette(routes=[Route("/v1/traces", collector.receive, methods=["POST"])])
    with serving(app) as base:
        yield base, collector
