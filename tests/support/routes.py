"""The routes an app really serves, through FastAPI's included-router wrappers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute


def api_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute, Any]]:
    """Path, the declared route object and the effective dependant of each API route."""
    yield from _walk(app.routes)


def _walk(routes: Iterable[Any]) -> Iterator[tuple[str, APIRoute, Any]]:
    for route in routes:
        if hasattr(route, "effective_candidates"):  # an included router (FastAPI >= 0.16x)
            yield from _walk(route.effective_candidates())
        elif isinstance(route, APIRoute):
            yield route.path, route, route.dependant
        elif isinstance(getattr(route, "original_route", None), APIRoute):
            yield route.path, route.original_route, route.dependant
