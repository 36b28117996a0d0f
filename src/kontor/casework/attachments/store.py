"""Attachments kept per tenant: added, listed per task or case, found and removed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select

from kontor.casework.attachments.tables import attachments
from kontor.errors import NotFound


class AttachmentNotFound(NotFound):
    """No such attachment (of that task or case) in the caller's tenant."""

    code = "attachments.not_found"


@dataclass(frozen=True)
class Attachment:
    """A file kept with a case or a task: its name, type, size, checksum and who added it."""

    attachment_id: str
    tenant_id: str
    case_id: str | None
    task_id: str | None
    file_name: str
    media_type: str
    size: int
    sha256: str
    blob_key: str
    added_at: dt.datetime
    added_by: str


class AttachmentStore:
    """The attachments of one tenant."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self.connection = connection
        self.tenant_id = tenant_id

    def add(self, attachment: Attachment) -> None:
        """Keep a new attachment (of this store's tenant)."""
        assert attachment.tenant_id == self.tenant_id
        self.connection.execute(insert(attachments).values(**vars(attachment)))

    def get(self, attachment_id: str) -> Attachment:
        """The attachment, or ``AttachmentNotFound``."""
        row = self.connection.execute(
            select(attachments).where(
                attachments.c.tenant_id == self.tenant_id,
                attachments.c.attachment_id == attachment_id,
            )
        ).first()
        if row is None:
            raise AttachmentNotFound(
                f"attachment {attachment_id!r} not found", attachment_id=attachment_id
            )
        return _attachment(row)

    def of_task(self, task_id: str) -> list[Attachment]:
        """The files attached to the task, oldest first."""
        return self._listed(attachments.c.task_id == task_id)

    def of_case(self, case_id: str) -> list[Attachment]:
        """The case's documents with the files attached to its tasks, oldest first."""
        return self._listed(attachments.c.case_id == case_id)

    def remove(self, attachment_id: str) -> None:
        """Forget the attachment (its file is the caller's to delete once this commits)."""
        self.connection.execute(
            delete(attachments).where(
                attachments.c.tenant_id == self.tenant_id,
                attachments.c.attachment_id == attachment_id,
            )
        )

    def _listed(self, condition: Any) -> list[Attachment]:
        rows = self.connection.execute(
            select(attachments)
            .where(attachments.c.tenant_id == self.tenant_id, condition)
            .order_by(attachments.c.added_at, attachments.c.attachment_id)
        )
        return [_attachment(row) for row in rows]


def _attachment(row: Row[Any]) -> Attachment:
    return Attachment(**row._mapping)
