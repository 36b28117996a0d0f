"""The interactive API documentation, served with Kontor's own copy of Swagger UI (no CDN)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.security import public

STATIC_URL = "/static"
_SWAGGER_UI = f"{STATIC_URL}/vendor/swagger-ui"

router = APIRouter(tags=["operations"], route_class=StrictJsonRoute)


def static_directory() -> Path:
    """Where the front-end files live: ``kontor/web/static`` (``vendor/`` filled by npm ci)."""
    return Path(str(resources.files("kontor"))) / "web" / "static"


@router.get("/docs", dependencies=[public()], include_in_schema=False)
def swagger_ui() -> HTMLResponse:
    """Swagger UI for the OpenAPI schema, loading only same-origin assets."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Kontor API",
        swagger_js_url=f"{_SWAGGER_UI}/swagger-ui-bundle.js",
        swagger_css_url=f"{_SWAGGER_UI}/swagger-ui.css",
        swagger_favicon_url=f"{_SWAGGER_UI}/favicon-32x32.png",
    )
