"""Commands of the scheduler: manage schedules, run one now, and the timer that fires one."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from pydantic import Field

from kontor.messaging import Command


class Misfire(StrEnum):
    """What a firing later than its grace does: nothing (skip) or the work once (run_once)."""

    SKIP = "skip"
    RUN_ONCE = "run_once"


class CreateSchedule(Command, type_name="integration.create_schedule"):
    """Create a schedule whose firings send ``command_type`` with ``command_payload``."""

    schedule_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    name: str
    cron: str
    time_zone: str = "Europe/Berlin"
    window: str | None = None
    holiday_state: str | None = None
    misfire: Misfire = Misfire.RUN_ONCE
    misfire_grace_seconds: int = 60
    command_type: str
    command_payload: dict[str, Any] = Field(default_factory=dict)


class PauseSchedule(Command, type_name="integration.pause_schedule"):
    """Stop a schedule's firings until it is resumed."""

    schedule_id: str


class ResumeSchedule(Command, type_name="integration.resume_schedule"):
    """Fire a paused schedule again, from its next due time after now."""

    schedule_id: str


class RunScheduleNow(Command, type_name="integration.run_schedule_now"):
    """Send a schedule's command once now, besides its rhythm."""

    schedule_id: str


class DeleteSchedule(Command, type_name="integration.delete_schedule"):
    """Remove a schedule, its pending firing and its run history."""

    schedule_id: str


class FireSchedule(Command, type_name="integration.fire_schedule"):
    """The durable timer of one due firing (scheduled, never sent by hand)."""

    schedule_id: str
    due_at: dt.datetime
