"""Request bodies: variables as they are stored, and uploaded files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from kontor.errors import InvalidInput, KontorError


@dataclass(frozen=True)
class UploadedFile:
    """A file sent as the raw body or as the first file part of a multipart form."""

    content: bytes
    file_name: str


class VariablesTooLarge(KontorError):
    """Variables whose serialized size exceeds what one request may store."""

    code = "kontor.variables_too_large"
    status = 413
    title = "Content too large"


def storable_variables(
    request: Request, variables: dict[str, Any], field: str = "variables"
) -> dict[str, Any]:
    """``variables`` as they are stored, within the size limit (413) and exact (else 422).

    Variables are stored as JSON with binary fractions until the exact codec arrives: a decimal
    that a float cannot hold exactly is refused, naming its field, rather than rounded.
    """
    where = tuple(field.split("."))
    refusals: list[dict[str, Any]] = []
    stored: dict[str, Any] = _storable(variables, where, refusals)
    if refusals:
        raise RequestValidationError(refusals[:20])
    limit = request.app.state.request_limits.max_variables_bytes
    size = len(json.dumps(stored, separators=(",", ":")).encode())
    if size > limit:
        raise VariablesTooLarge(
            f"{field} take {size} bytes serialized; at most {limit} bytes are stored per request",
            field=field,
            limit_bytes=limit,
            size_bytes=size,
        )
    return stored


def _storable(value: Any, path: tuple[str | int, ...], refusals: list[dict[str, Any]]) -> Any:
    if isinstance(value, dict):
        return {key: _storable(item, (*path, key), refusals) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item, (*path, index), refusals) for index, item in enumerate(value)]
    if not isinstance(value, Decimal):
        return value
    if value == value.to_integral_value():
        return int(value)  # the decoder bounded its digits: a cheap conversion
    as_float = float(value)
    if Decimal(repr(as_float)) != value:
        refusals.append(
            {
                "loc": ("body", *path),
                "msg": f"{value} cannot be stored exactly (variables keep binary floating-point "
                "numbers); send it with fewer digits or as a string",
                "type": "decimal_not_storable",
            }
        )
    return as_float


async def uploaded_file(request: Request, default_name: str) -> UploadedFile:
    """The file of a multipart upload, else the raw body (named by ``?file_name=``)."""
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return _first_file_part(content_type, body, default_name)
    if not body:
        raise InvalidInput("the request carries no file", field="body")
    return UploadedFile(body, request.query_params.get("file_name") or default_name)


def _first_file_part(content_type: str, body: bytes, default_name: str) -> UploadedFile:
    header = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(header + body)
    assert isinstance(message, EmailMessage)
    for part in message.iter_parts():
        assert isinstance(part, EmailMessage)
        if part.get_content_disposition() != "form-data" or part.get_filename() is None:
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            return UploadedFile(payload, part.get_filename() or default_name)
    raise InvalidInput("the multipart form has no file part", field="file")
