"""Reading the URL-encoded bodies that pages and htmx send."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request


async def form_of(request: Request) -> dict[str, str]:
    """The submitted form's fields (the last value of each name)."""
    body = await request.body()
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
