"""The process engine's routes: definitions, instances, operations and external tasks."""

from __future__ import annotations

from fastapi import APIRouter

from kontor.api.routes import (
    external_tasks,
    process_control,
    process_definitions,
    process_instances,
)

router = APIRouter()
for part in (process_definitions, process_instances, process_control, external_tasks):
    router.include_router(part.router)
uploads = process_definitions.uploads
"""The process routes that take a file (BPMN models)."""
