"""Deadlines and escalation as data, and the commands that set and check them."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from kontor.messaging import Command

DeadlineKind = Literal["start", "completion"]


class EscalationAction(BaseModel):
    """What happens when a deadline passes unmet.

    ``notify`` tells ``user_id``; ``reassign`` gives the task to ``user_id`` or into
    ``group_id``'s queue; ``raise_priority`` raises it to ``priority``; ``follow_up`` creates a
    task called ``name`` (for ``user_id`` or ``group_id``, if given).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: Literal["notify", "reassign", "raise_priority", "follow_up"]
    user_id: str | None = Field(default=None, min_length=1, max_length=64)
    group_id: str | None = Field(default=None, min_length=1, max_length=64)
    priority: int | None = Field(default=None, ge=0, le=100)
    name: str | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        needs = {
            "notify": self.user_id is not None,
            "reassign": self.user_id is not None or self.group_id is not None,
            "raise_priority": self.priority is not None,
            "follow_up": self.name is not None,
        }
        if not needs[self.action]:
            wanted = {
                "notify": "user_id", "reassign": "user_id or group_id",
                "raise_priority": "priority", "follow_up": "name",
            }  # fmt: skip
            raise ValueError(f"{self.action} needs {wanted[self.action]}")
        return self


class DeadlineSpec(BaseModel):
    """A deadline: when, and the escalation actions if it passes unmet."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: AwareDatetime
    escalation: list[EscalationAction] = Field(default_factory=list, max_length=20)


class SetTaskDeadlines(Command, type_name="casework.set_task_deadlines"):
    """Replace a task's start and completion deadlines (``None`` removes one)."""

    task_id: str
    start: DeadlineSpec | None = None
    completion: DeadlineSpec | None = None


class CheckTaskDeadline(Command, type_name="casework.check_task_deadline"):
    """A deadline's time came (sent by the timer facility): escalate if it is unmet."""

    task_id: str
    kind: DeadlineKind
    due_at: dt.datetime


class CheckTaskFollowUp(Command, type_name="casework.check_task_follow_up"):
    """A task's follow-up date came (sent by the timer facility): tell its assignee."""

    task_id: str
    follow_up_at: dt.datetime
