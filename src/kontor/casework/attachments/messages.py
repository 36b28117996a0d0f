"""Commands on attachments: keep a stored file with a task or a case, remove one."""

from __future__ import annotations

from pydantic import Field, model_validator

from kontor.messaging import Command


class AddAttachment(Command, type_name="casework.add_attachment"):
    """Keep an already stored file with a task or with a case (exactly one of them)."""

    attachment_id: str
    task_id: str | None = None
    case_id: str | None = None
    file_name: str = Field(min_length=1, max_length=255)
    media_type: str = Field(min_length=1, max_length=100)
    size: int = Field(ge=0)
    sha256: str = Field(min_length=64, max_length=64)
    blob_key: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_owner(self) -> AddAttachment:
        if (self.task_id is None) == (self.case_id is None):
            raise ValueError("an attachment belongs to a task or to a case, not both or none")
        return self


class RemoveAttachment(Command, type_name="casework.remove_attachment"):
    """Remove an attachment of the named task or case: by the one who added it or a manager."""

    attachment_id: str
    task_id: str | None = None
    case_id: str | None = None
    as_manager: bool = False
