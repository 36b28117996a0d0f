"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from kontor import __version__
from kontor.api.body_routes import StrictJsonRoute
from kontor.api.security import public
from kontor.api.shared_metrics import exposition
from kontor.api.wiring import kontor_of

router = APIRouter(tags=["operations"], route_class=StrictJsonRoute)


@router.get("/healthz", dependencies=[public()])
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz", dependencies=[public()])
def readyz(request: Request) -> JSONResponse:
    """Readiness: the database and the broker are reachable."""
    checks = kontor_of(request).check_ready()
    ready = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", dependencies=[public()], include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus metrics (of all server processes behind the port)."""
    return Response(exposition(kontor_of(request).metrics), media_type=CONTENT_TYPE_LATEST)
