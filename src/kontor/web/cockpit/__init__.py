"""The process cockpit in the browser: definitions, diagrams with tokens, instances, incidents."""

from __future__ import annotations

from fastapi import APIRouter

from kontor.web.cockpit import migration, pages
from kontor.web.cockpit.instances import INSTANCE_LIST
from kontor.web.registry import WebRegistry

router = APIRouter()
router.include_router(pages.router)
router.include_router(migration.router)


def declare(registry: WebRegistry) -> None:
    """Declare the cockpit's instance list."""
    registry.add_table(INSTANCE_LIST)


__all__ = ["INSTANCE_LIST", "declare", "router"]
