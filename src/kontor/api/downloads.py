"""Files the browser saves: a streamed body with an attachment file name."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi.responses import StreamingResponse


def download(
    chunks: Iterable[bytes] | Iterable[str], name: str, media_type: str
) -> StreamingResponse:
    """The chunks streamed as a file the browser saves as ``name``."""
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(chunks, media_type=media_type, headers=disposition)
