"""Camunda 7 REST compatibility: the parts of ``/engine-rest`` that Camunda clients use.

Answered by Kontor's own process engine and permissions (no second engine, no second
permission model); see ``docs/camunda7.md`` for what is supported.
"""

from kontor.camunda7.routes import engine_rest_router

__all__ = ["engine_rest_router"]
