"""Attachments of tasks and documents of cases: uploaded (streamed, size-limited), listed,
downloaded and removed. The file is stored first and kept only when the task system accepted
it; another tenant's task, case or attachment is not found."""

from __future__ import annotations

import datetime as dt
import mimetypes
import uuid
from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from kontor.api.body_routes import StreamingUploadRoute, StrictJsonRoute
from kontor.api.downloads import stored_file
from kontor.api.exact_responses import ExactJSONResponse
from kontor.api.security import requires
from kontor.api.streamed_uploads import FILE_UPLOAD, StreamedFile, stream_upload
from kontor.api.wiring import kontor_of
from kontor.bootstrap import Kontor
from kontor.casework.attachments import (
    AddAttachment,
    Attachment,
    AttachmentNotFound,
    AttachmentStore,
    RemoveAttachment,
    tenant_folder,
)
from kontor.casework.cases import CaseStore
from kontor.casework.tasks import TaskStore
from kontor.exchange import BlobStore, LocalBlobStore
from kontor.platform import Principal

TASKS, CASES = "/api/tasks/{task_id}/attachments", "/api/cases/{case_id}/documents"
router = APIRouter(tags=["attachments"], route_class=StrictJsonRoute)
uploads = APIRouter(tags=["attachments"], route_class=StreamingUploadRoute)


class AttachmentOut(BaseModel):
    """An attachment as listed: its file, who added it when, and where it belongs."""

    attachment_id: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    added_at: dt.datetime
    added_by: str
    task_id: str | None
    case_id: str | None

    @classmethod
    def of(cls, attachment: Attachment) -> AttachmentOut:
        """The response body of ``attachment``."""
        hidden = ("tenant_id", "blob_key")
        return cls(**{k: v for k, v in vars(attachment).items() if k not in hidden})


def attachment_blobs(kontor: Kontor, tenant_id: str) -> BlobStore:
    """Where the tenant's attachments are kept: its folder in the data dir's ``attachments``."""
    return LocalBlobStore(tenant_folder(kontor.settings.data_dir, tenant_id))


def media_type_of(file_name: str) -> str:
    """The media type a file's name suggests; unknown ones are plain bytes."""
    guessed, _ = mimetypes.guess_type(file_name, strict=False)
    return guessed or "application/octet-stream"


def keep_upload(
    kontor: Kontor, caller: Principal, streamed: StreamedFile, *, task_id: str | None = None,
    case_id: str | None = None,
) -> Attachment:  # fmt: skip
    """Hand the stored file to the task system; the file goes again when it is refused."""
    try:
        added: Attachment = kontor.bus.handle(
            AddAttachment(
                tenant_id=caller.tenant_id, actor=caller.user_id,
                attachment_id=str(uuid.uuid4()), task_id=task_id, case_id=case_id,
                file_name=streamed.file_name, media_type=media_type_of(streamed.file_name),
                size=streamed.blob.size, sha256=streamed.blob.sha256, blob_key=streamed.blob.key,
            )
        )  # fmt: skip
    except BaseException:
        attachment_blobs(kontor, caller.tenant_id).delete(streamed.blob.key)
        raise
    return added


async def receive(
    request: Request, caller: Principal, *, task_id: str | None = None, case_id: str | None = None
) -> Attachment:
    """Stream the request's file in and keep it with the task or case (which must exist in the
    caller's tenant before anything is read)."""
    kontor = kontor_of(request)
    await run_in_threadpool(
        require_target, kontor, caller.tenant_id, task_id=task_id, case_id=case_id
    )
    limit = kontor.settings.attachments_max_bytes
    streamed = await stream_upload(
        request, attachment_blobs(kontor, caller.tenant_id), limit, "anhang.bin"
    )
    return await run_in_threadpool(
        keep_upload, kontor, caller, streamed, task_id=task_id, case_id=case_id
    )


def remove(
    kontor: Kontor, caller: Principal, attachment_id: str, *, manager: str,
    task_id: str | None = None, case_id: str | None = None,
) -> None:  # fmt: skip
    """Remove the task's or case's attachment, then its file."""
    removed: Attachment = kontor.bus.handle(
        RemoveAttachment(
            tenant_id=caller.tenant_id, actor=caller.user_id, attachment_id=attachment_id,
            task_id=task_id, case_id=case_id, as_manager=caller.has(manager),
        )
    )  # fmt: skip
    attachment_blobs(kontor, caller.tenant_id).delete(removed.blob_key)


def require_target(
    kontor: Kontor, tenant_id: str, *, task_id: str | None = None, case_id: str | None = None
) -> None:
    """The task or case must exist in the tenant (``NotFound`` otherwise)."""
    with kontor.bus.reading() as uow:
        if task_id is not None:
            TaskStore(uow.connection, tenant_id).get(task_id)
        else:
            assert case_id is not None
            CaseStore(uow.connection, tenant_id).get(case_id)


def attachments_of(
    kontor: Kontor, tenant_id: str, *, task_id: str | None = None, case_id: str | None = None
) -> list[Attachment]:
    """The task's attachments or the case's documents (with its tasks'), oldest first."""
    require_target(kontor, tenant_id, task_id=task_id, case_id=case_id)
    with kontor.bus.reading() as uow:
        store = AttachmentStore(uow.connection, tenant_id)
        return store.of_task(task_id) if task_id is not None else store.of_case(str(case_id))


def content_of(
    kontor: Kontor, tenant_id: str, attachment_id: str, *, task_id: str | None = None,
    case_id: str | None = None,
) -> StreamingResponse:  # fmt: skip
    """The attachment's file, if it belongs to the named task or case."""
    with kontor.bus.reading() as uow:
        attachment = AttachmentStore(uow.connection, tenant_id).get(attachment_id)
    if (task_id is not None and attachment.task_id != task_id) or (
        case_id is not None and attachment.case_id != case_id
    ):
        raise AttachmentNotFound(
            f"attachment {attachment_id!r} not found", attachment_id=attachment_id
        )
    return stored_file(
        attachment_blobs(kontor, tenant_id), attachment.blob_key, file_name=attachment.file_name,
        size=attachment.size, media_type=attachment.media_type,
    )  # fmt: skip


def _listed(found: list[Attachment]) -> ExactJSONResponse:
    return ExactJSONResponse(
        {"items": [AttachmentOut.of(a).model_dump(mode="json") for a in found]}
    )


@uploads.post(TASKS, status_code=201, openapi_extra=FILE_UPLOAD)
async def attach_to_task(
    task_id: str, request: Request, caller: Annotated[Principal, requires("tasks:work")]
) -> AttachmentOut:
    """Attach a file to the task (multipart ``file`` or the raw body with ``?file_name=``)."""
    return AttachmentOut.of(await receive(request, caller, task_id=task_id))


@router.get(TASKS)
def task_attachments(
    task_id: str, request: Request, caller: Annotated[Principal, requires("tasks:read")]
) -> ExactJSONResponse:
    """The task's attachments, oldest first."""
    return _listed(attachments_of(kontor_of(request), caller.tenant_id, task_id=task_id))


@router.get(TASKS + "/{attachment_id}/content", response_model=None)
def task_attachment_content(
    task_id: str, attachment_id: str, request: Request,
    caller: Annotated[Principal, requires("tasks:read")],
) -> StreamingResponse:  # fmt: skip
    """The attachment's file, to save."""
    kontor = kontor_of(request)
    return content_of(kontor, caller.tenant_id, attachment_id, task_id=task_id)


@router.delete(TASKS + "/{attachment_id}", status_code=204)
def detach_from_task(
    task_id: str, attachment_id: str, request: Request,
    caller: Annotated[Principal, requires("tasks:work")],
) -> Response:  # fmt: skip
    """Remove an attachment: the one who added it, or a task manager."""
    remove(kontor_of(request), caller, attachment_id, manager="tasks:manage", task_id=task_id)
    return Response(status_code=204)


@uploads.post(CASES, status_code=201, openapi_extra=FILE_UPLOAD)
async def add_case_document(
    case_id: str, request: Request, caller: Annotated[Principal, requires("cases:write")]
) -> AttachmentOut:
    """Keep a document with the case (multipart ``file`` or the raw body with ``?file_name=``)."""
    return AttachmentOut.of(await receive(request, caller, case_id=case_id))


@router.get(CASES)
def case_documents(
    case_id: str, request: Request, caller: Annotated[Principal, requires("cases:read")]
) -> ExactJSONResponse:
    """The case's documents and its tasks' attachments, oldest first."""
    return _listed(attachments_of(kontor_of(request), caller.tenant_id, case_id=case_id))


@router.get(CASES + "/{attachment_id}/content", response_model=None)
def case_document_content(
    case_id: str, attachment_id: str, request: Request,
    caller: Annotated[Principal, requires("cases:read")],
) -> StreamingResponse:  # fmt: skip
    """The document's file, to save."""
    kontor = kontor_of(request)
    return content_of(kontor, caller.tenant_id, attachment_id, case_id=case_id)


@router.delete(CASES + "/{attachment_id}", status_code=204)
def remove_case_document(
    case_id: str, attachment_id: str, request: Request,
    caller: Annotated[Principal, requires("cases:write")],
) -> Response:  # fmt: skip
    """Remove one of the case's own documents: the one who added it, or a case manager."""
    remove(kontor_of(request), caller, attachment_id, manager="cases:manage", case_id=case_id)
    return Response(status_code=204)
