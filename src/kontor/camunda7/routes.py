"""The compatibility router: every Camunda 7 resource Kontor answers, under one base path."""

from __future__ import annotations

from fastapi import APIRouter

from kontor.camunda7 import (
    definitions,
    external_tasks,
    history,
    instances,
    jobs,
    messages,
    user_tasks,
)


def engine_rest_router(base_path: str) -> APIRouter:
    """The Camunda 7 REST resources under ``base_path`` (Camunda's is ``/engine-rest``)."""
    router = APIRouter(prefix=base_path.rstrip("/"))
    parts = (external_tasks.router, definitions.router, definitions.uploads, instances.router,
             messages.router, user_tasks.router, history.router, jobs.jobs,
             jobs.incidents)  # fmt: skip
    for part in parts:
        router.include_router(part)
    return router
