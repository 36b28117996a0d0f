"""Uploads streamed to a blob store: the file part of a multipart form (or the raw body).

The size limit counts the file's bytes as they arrive; the first byte over it ends the upload
with 413 and removes what was written. A declared ``Content-Length`` far over the limit is
refused before anything is read.
"""

from __future__ import annotations

import posixpath
from collections.abc import AsyncIterator
from dataclasses import dataclass

import multipart
from fastapi import Request
from starlette.requests import ClientDisconnect

from kontor.errors import InvalidInput
from kontor.exchange import BlobStore, BlobWriter, FileTooLarge, StoredBlob

FORM_OVERHEAD_BYTES = 64 * 1024
"""What a multipart form may carry besides the file (boundaries, headers, small fields)."""
MAX_NAME_LENGTH = 255
MAX_FIELD_LENGTH = 1000
"""The longest text field a streamed form may carry besides its file."""
FILE_UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
"""The OpenAPI request body of a route streaming one file: a multipart ``file`` or the body."""


@dataclass(frozen=True)
class StreamedFile:
    """A stored upload and the name the client gave it."""

    blob: StoredBlob
    file_name: str


async def stream_upload(
    request: Request,
    store: BlobStore,
    limit: int,
    default_name: str,
    fields: dict[str, str] | None = None,
) -> StreamedFile:
    """Store the request's file in ``store`` (at most ``limit`` bytes) and name it.

    With ``fields``, the form's small text fields (up to ``MAX_FIELD_LENGTH`` bytes each) are
    put there too.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + FORM_OVERHEAD_BYTES:
        raise FileTooLarge(limit)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return await _stream_form(request, content_type, store, limit, default_name, fields)
    writer = store.writer(limit)
    try:
        async for chunk in _body(request):
            writer.write(chunk)
        blob = writer.finish()
    except BaseException:
        writer.discard()
        raise
    if blob.size == 0:
        store.delete(blob.key)
        raise InvalidInput("the request carries no file", field="body")
    name = request.query_params.get("file_name") or default_name
    return StreamedFile(blob, _plain_name(name))


async def _stream_form(
    request: Request,
    content_type: str,
    store: BlobStore,
    limit: int,
    default_name: str,
    fields: dict[str, str] | None = None,
) -> StreamedFile:
    _, options = multipart.parse_options_header(content_type)
    boundary = options.get("boundary")
    if not boundary:
        raise InvalidInput("the multipart form names no boundary", field="content-type")
    writer: BlobWriter | None = None
    field: str | None = None
    name = default_name
    stored: StoredBlob | None = None
    in_file = False
    parser = multipart.PushMultipartParser(
        boundary, max_segment_count=16, max_segment_size=limit + 1
    )
    try:
        async for chunk in _body(request):
            for event in parser.parse(chunk):
                if isinstance(event, multipart.MultipartSegment):
                    in_file = stored is None and writer is None and event.filename is not None
                    field = event.name if event.filename is None else None
                    if in_file:
                        writer = store.writer(limit)
                        name = event.filename or default_name
                elif event is None:
                    if in_file and writer is not None:
                        stored, writer, in_file = writer.finish(), None, False
                    field = None
                elif in_file and writer is not None:
                    writer.write(event)
                elif fields is not None and field is not None:
                    _add_text(fields, field, event)
        parser.close()
    except multipart.ParserLimitReached as error:
        raise FileTooLarge(limit) from error
    except multipart.MultipartError as error:
        raise InvalidInput(f"the multipart form is broken: {error}", field="file") from error
    except BaseException:
        if stored is not None:  # a field after the file was refused: keep nothing
            store.delete(stored.key)
        raise
    finally:
        if writer is not None:
            writer.discard()
    if stored is None:
        raise InvalidInput("the multipart form has no file part", field="file")
    if stored.size == 0:
        store.delete(stored.key)
        raise InvalidInput("the uploaded file is empty", field="file")
    return StreamedFile(stored, _plain_name(name))


def _add_text(fields: dict[str, str], name: str, chunk: bytes) -> None:
    """Append a text field's ``chunk``; a field beyond ``MAX_FIELD_LENGTH`` is refused."""
    value = fields.get(name, "") + chunk.decode("utf-8", "replace")
    if len(value) > MAX_FIELD_LENGTH:
        raise InvalidInput(f"the form field {name!r} is too long", field=name)
    fields[name] = value


async def _body(request: Request) -> AsyncIterator[bytes]:
    """The request body's chunks; a client that leaves mid-body is an invalid upload."""
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientDisconnect as error:
        raise InvalidInput(
            "the upload broke off before the file was complete", field="file"
        ) from error


def _plain_name(name: str) -> str:
    """The file's own name without any folders a client sent along."""
    plain = posixpath.basename(name.replace("\\", "/")).strip()
    return (plain or "upload")[:MAX_NAME_LENGTH]
