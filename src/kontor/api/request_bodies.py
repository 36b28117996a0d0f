"""Request bodies: variables as they are stored, and uploaded files."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from kontor.db import json_codec
from kontor.errors import InvalidInput, KontorError
from kontor.rules.feel.numbers import to_feel_number

FEEL_DIGITS = 34


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
    """``variables`` as they are stored: exact (else 422), within the size limit (else 413).

    Numbers arrive as ``Decimal`` from the strict decoder and are stored exactly (the JSON
    columns' codec writes them as they were sent); whole numbers become ``int``. A fraction
    with more significant digits than a FEEL number holds (decimal128: 34) is refused, naming
    its field, rather than rounded when a process reads it.
    """
    where = tuple(field.split("."))
    refusals: list[dict[str, Any]] = []
    stored: dict[str, Any] = _storable(variables, where, refusals)
    if refusals:
        raise RequestValidationError(refusals[:20])
    limit = request.app.state.request_limits.max_variables_bytes
    size = len(json_codec.dumps(stored).encode())
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
    if to_feel_number(value) != value:
        refusals.append(
            {
                "loc": ("body", *path),
                "msg": f"{value} has more significant digits than a number keeps "
                f"({FEEL_DIGITS}, decimal128); send it with fewer digits or as a string",
                "type": "decimal_not_storable",
            }
        )
    return value


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
