"""Attachments: files kept with a case (its documents) or with one of its tasks."""

from kontor.casework.attachments.files import files_deleted_with_tenants, tenant_folder
from kontor.casework.attachments.handlers import (
    ATTACH,
    DETACH,
    DOCUMENT_ADDED,
    DOCUMENT_REMOVED,
    NotAttachmentOwner,
    register,
)
from kontor.casework.attachments.messages import AddAttachment, RemoveAttachment
from kontor.casework.attachments.store import Attachment, AttachmentNotFound, AttachmentStore

__all__ = [
    "ATTACH",
    "DETACH",
    "DOCUMENT_ADDED",
    "DOCUMENT_REMOVED",
    "AddAttachment",
    "Attachment",
    "AttachmentNotFound",
    "AttachmentStore",
    "NotAttachmentOwner",
    "RemoveAttachment",
    "files_deleted_with_tenants",
    "register",
    "tenant_folder",
]
