"""Responses whose JSON keeps ``Decimal`` values exact (FastAPI's encoder would make floats)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from kontor.db.json_codec import dumps


class ExactJSONResponse(JSONResponse):
    """A JSON response written by Kontor's JSON codec: money stays an exact JSON number."""

    def render(self, content: Any) -> bytes:
        if isinstance(content, BaseModel):
            content = content.model_dump()
        return dumps(content).encode("utf-8")
