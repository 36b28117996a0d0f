"""The scheduler: cron schedules per tenant with windows and holidays, fired exactly once."""

from kontor.integration.scheduler.commands import SchedulableCommands, schedulable
from kontor.integration.scheduler.errors import (
    CommandNotSchedulable,
    ScheduleNameTaken,
    ScheduleNotFound,
)
from kontor.integration.scheduler.messages import (
    CreateSchedule,
    DeleteSchedule,
    FireSchedule,
    Misfire,
    PauseSchedule,
    ResumeSchedule,
    RunScheduleNow,
)
from kontor.integration.scheduler.metrics import ScheduleCollector
from kontor.integration.scheduler.service import Scheduler, timer_key
from kontor.integration.scheduler.store import RunRecord, ScheduleRecord, ScheduleStore
from kontor.integration.scheduler.tables import schedule_runs, schedules
from kontor.integration.scheduler.timing import GERMAN_STATES, Timing, Window

__all__ = [
    "GERMAN_STATES",
    "CommandNotSchedulable",
    "CreateSchedule",
    "DeleteSchedule",
    "FireSchedule",
    "Misfire",
    "PauseSchedule",
    "ResumeSchedule",
    "RunRecord",
    "RunScheduleNow",
    "SchedulableCommands",
    "ScheduleCollector",
    "ScheduleNameTaken",
    "ScheduleNotFound",
    "ScheduleRecord",
    "ScheduleStore",
    "Scheduler",
    "Timing",
    "Window",
    "schedulable",
    "schedule_runs",
    "schedules",
    "timer_key",
]
