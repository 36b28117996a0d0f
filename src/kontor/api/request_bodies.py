"""Request bodies FastAPI does not read for us: exact JSON numbers and uploaded files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from kontor.errors import InvalidInput

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class UploadedFile:
    """A file sent as the raw body or as the first file part of a multipart form."""

    content: bytes
    file_name: str


async def exact_json(request: Request) -> Any:
    """The JSON body with fractional numbers as ``Decimal`` (money must not pass through float)."""
    try:
        return json.loads(await request.body() or b"null", parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise RequestValidationError(
            [{"loc": ("body",), "msg": f"invalid JSON: {error}", "type": "json_invalid"}]
        ) from None


def validated(model: type[Model], data: Any) -> Model:
    """``data`` validated as ``model``; problems become the usual 422 naming each field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise RequestValidationError(
            [{**problem, "loc": ("body", *problem["loc"])} for problem in error.errors()]
        ) from None


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
