"""The fields and files of a multipart form (Camunda deployments send several files)."""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP

from kontor.camunda7.errors import InvalidRequest


def form_parts(content_type: str, body: bytes) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    """The text fields by name and the files as (file name, content), in the form's order."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise InvalidRequest("Request content type is not multipart/form-data")
    header = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(header + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise InvalidRequest("The multipart form cannot be read")
    fields: dict[str, str] = {}
    files: list[tuple[str, bytes]] = []
    for part in message.iter_parts():
        assert isinstance(part, EmailMessage)
        if part.get_content_disposition() != "form-data":
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        file_name = part.get_filename()
        if file_name is not None:
            files.append((file_name, content))
        else:
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                fields[name] = content.decode("utf-8", errors="replace")
    return fields, files
