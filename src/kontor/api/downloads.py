"""Files the browser saves or shows: a streamed body with the file's name."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Literal
from urllib.parse import quote

from fastapi.responses import StreamingResponse

from kontor.exchange import BlobStore

CHUNK = 64 * 1024


def download(
    chunks: Iterable[bytes] | Iterable[str], name: str, media_type: str
) -> StreamingResponse:
    """The chunks streamed as a file the browser saves as ``name``."""
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(chunks, media_type=media_type, headers=disposition)


def stored_file(
    blobs: BlobStore,
    key: str,
    *,
    file_name: str,
    size: int,
    media_type: str,
    disposition: Literal["inline", "attachment"] = "attachment",
) -> StreamingResponse:
    """A stored file streamed under its own name (any characters, RFC 6266), never sniffed."""
    stored = blobs.open(key)

    def chunks() -> Iterator[bytes]:
        with stored:
            while chunk := stored.read(CHUNK):
                yield chunk

    plain = file_name.encode("ascii", "replace").decode("ascii").replace('"', "_")
    headers = {
        "Content-Disposition": (
            f"{disposition}; filename=\"{plain}\"; filename*=UTF-8''{quote(file_name)}"
        ),
        "Content-Length": str(size),
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(chunks(), media_type=media_type, headers=headers)
