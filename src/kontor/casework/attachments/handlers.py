"""Handlers of the attachment commands: the row, the task's history or the case's timeline, and
the audit log's entry, in one unit of work. The files themselves are stored and deleted by the
caller (the API), which keeps them only when the command succeeds."""

from __future__ import annotations

from typing import Any

from kontor.casework.attachments.messages import AddAttachment, RemoveAttachment
from kontor.casework.attachments.store import Attachment, AttachmentNotFound, AttachmentStore
from kontor.casework.cases import CaseStore, Timeline
from kontor.casework.tasks import TaskStore
from kontor.casework.tasks.domain import HistoryEntry
from kontor.errors import PermissionDenied
from kontor.messaging import Change, HandlerRegistry, UnitOfWork

ATTACH, DETACH = "attach", "detach"
"""The task history's operations of adding and removing an attachment."""
DOCUMENT_ADDED, DOCUMENT_REMOVED = "document_added", "document_removed"
"""The case timeline's kinds of adding and removing one of the case's own documents."""
ATTACHMENT = "attachment"


class NotAttachmentOwner(PermissionDenied):
    """Only the one who added an attachment, or a manager, may remove it."""

    code = "attachments.not_owner"


def add_attachment(command: AddAttachment, uow: UnitOfWork) -> Attachment:
    """Keep the file with its task (and the task's case) or with its case; say so in the
    task's history or the case's timeline."""
    assert command.actor is not None, "an attachment is added by a person"
    now = uow.clock.now()
    case_id = command.case_id
    if command.task_id is not None:
        tasks = TaskStore(uow.connection, command.tenant_id)
        task, _ = tasks.get(command.task_id)
        case_id = task.case_id
    else:
        assert case_id is not None
        CaseStore(uow.connection, command.tenant_id).get(case_id)  # CaseNotFound otherwise
    attachment = Attachment(
        attachment_id=command.attachment_id, tenant_id=command.tenant_id, case_id=case_id,
        task_id=command.task_id, file_name=command.file_name, media_type=command.media_type,
        size=command.size, sha256=command.sha256, blob_key=command.blob_key, added_at=now,
        added_by=command.actor,
    )  # fmt: skip
    AttachmentStore(uow.connection, command.tenant_id).add(attachment)
    _note(uow, attachment, ATTACH, DOCUMENT_ADDED, command.actor)
    return attachment


def remove_attachment(command: RemoveAttachment, uow: UnitOfWork) -> Attachment:
    """Forget the attachment of the named task or case; the history or timeline says so."""
    store = AttachmentStore(uow.connection, command.tenant_id)
    attachment = store.get(command.attachment_id)
    if command.task_id is not None:
        belongs = attachment.task_id == command.task_id
    else:  # a case's own documents; its tasks' attachments are removed from their task
        belongs = attachment.task_id is None and attachment.case_id == command.case_id
    if not belongs:
        raise AttachmentNotFound(
            f"attachment {command.attachment_id!r} not found",
            attachment_id=command.attachment_id,
        )
    if not command.as_manager and command.actor != attachment.added_by:
        raise NotAttachmentOwner(
            "only the one who added the attachment, or a manager, may remove it",
            attachment_id=attachment.attachment_id,
        )
    store.remove(attachment.attachment_id)
    _note(uow, attachment, DETACH, DOCUMENT_REMOVED, command.actor)
    return attachment


def _note(
    uow: UnitOfWork, attachment: Attachment, operation: str, kind: str, actor: str | None
) -> None:
    details: dict[str, Any] = {
        "attachment_id": attachment.attachment_id, "file_name": attachment.file_name,
    }  # fmt: skip
    now = uow.clock.now()
    if attachment.task_id is not None:
        tasks = TaskStore(uow.connection, attachment.tenant_id)
        task, _ = tasks.get(attachment.task_id)
        tasks.note(task, HistoryEntry(operation, actor, now, task.state, details=details))
    elif attachment.case_id is not None:
        details["size"] = attachment.size
        Timeline(uow.connection, attachment.tenant_id).append(
            attachment.case_id, kind, actor, now, details
        )


def _change(command: AddAttachment | RemoveAttachment, attachment: Attachment) -> Change:
    """An attachment was added or removed: its name, size, checksum and owner."""
    after = {
        "file_name": attachment.file_name, "size": attachment.size,
        "sha256": attachment.sha256, "task_id": attachment.task_id,
        "case_id": attachment.case_id,
    }  # fmt: skip
    subject = f"case:{attachment.case_id}" if attachment.case_id else f"task:{attachment.task_id}"
    return Change(
        command.type_name, ATTACHMENT, attachment.attachment_id, after=after, subject=subject
    )


def register(registry: HandlerRegistry) -> None:
    """Register the attachment commands and describe their changes for the audit log."""
    registry.register_command(AddAttachment, add_attachment)
    registry.register_command(RemoveAttachment, remove_attachment)
    registry.describe_changes(AddAttachment, _change)
    registry.describe_changes(RemoveAttachment, _change)
