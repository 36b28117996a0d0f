"""``kontor schedule``: list, create, pause, resume, run now and delete schedules of a tenant."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import typer

from kontor.bootstrap import Kontor, bootstrap
from kontor.cli.common import fail, load_settings, print_json
from kontor.errors import KontorError
from kontor.integration.scheduler import (
    CreateSchedule,
    DeleteSchedule,
    Misfire,
    PauseSchedule,
    ResumeSchedule,
    RunScheduleNow,
    ScheduleStore,
)
from kontor.messaging import Command

app = typer.Typer(help="Schedules: timed commands per tenant.", no_args_is_help=True)
TENANT = typer.Option(..., "--tenant", help="The tenant the schedule belongs to.")
MISFIRE = typer.Option(Misfire.RUN_ONCE, help="What a firing later than the grace does.")


def _handle(command: Command) -> Any:
    kontor = bootstrap(load_settings())
    try:
        return kontor.bus.handle(command)
    except KontorError as error:
        fail(f"{error.message} ({error.code})", code=1)
    finally:
        kontor.engine.dispose()


def _with_store(tenant: str, work: Any) -> Any:
    kontor: Kontor = bootstrap(load_settings())
    try:
        with kontor.bus.reading() as uow:
            return work(ScheduleStore(uow.connection, tenant))
    except KontorError as error:
        fail(f"{error.message} ({error.code})", code=1)
    finally:
        kontor.engine.dispose()


@app.command("list")
def list_schedules(tenant: str = TENANT) -> None:
    """The tenant's schedules with their next due time."""
    print_json([asdict(record) for record in _with_store(tenant, lambda s: s.listed())])


@app.command("create")
def create(
    name: str = typer.Argument(..., help="A name unique in the tenant."),
    cron: str = typer.Argument(..., help="Cron: five fields, or six with seconds first."),
    command_type: str = typer.Argument(..., help="The command each firing sends."),
    tenant: str = TENANT,
    payload: str = typer.Option("{}", help="The command's fields as JSON."),
    time_zone: str = typer.Option("Europe/Berlin", help="Zone the cron is read in."),
    window: str | None = typer.Option(None, help="E.g. 'Mo-Fr 08:00-20:00'."),
    holiday_state: str | None = typer.Option(None, help="German state whose holidays to skip."),
    misfire: Misfire = MISFIRE,
    grace: int = typer.Option(60, help="Seconds a firing may be late before it is a misfire."),
) -> None:
    """Create a schedule (as Kontor itself: the command line is the operator)."""
    try:
        fields = json.loads(payload)
    except json.JSONDecodeError as error:
        fail(f"--payload is no JSON: {error}")
    command = CreateSchedule(
        tenant_id=tenant, name=name, cron=cron, command_type=command_type,
        command_payload=fields, time_zone=time_zone, window=window,
        holiday_state=holiday_state, misfire=misfire, misfire_grace_seconds=grace,
    )  # fmt: skip
    print_json(asdict(_handle(command)))


@app.command("pause")
def pause(schedule_id: str, tenant: str = TENANT) -> None:
    """Stop a schedule's firings until it is resumed."""
    print_json(asdict(_handle(PauseSchedule(tenant_id=tenant, schedule_id=schedule_id))))


@app.command("resume")
def resume(schedule_id: str, tenant: str = TENANT) -> None:
    """Fire a paused schedule again from its next due time."""
    print_json(asdict(_handle(ResumeSchedule(tenant_id=tenant, schedule_id=schedule_id))))


@app.command("run")
def run_now(schedule_id: str, tenant: str = TENANT) -> None:
    """Send the schedule's command once now."""
    run_id = _handle(RunScheduleNow(tenant_id=tenant, schedule_id=schedule_id))
    print_json({"run_id": run_id})


@app.command("runs")
def runs(
    schedule_id: str, tenant: str = TENANT, limit: int = typer.Option(50, help="At most.")
) -> None:
    """The schedule's latest runs with their results and durations."""

    def read(store: ScheduleStore) -> list[dict[str, Any]]:
        store.get(schedule_id)
        return [asdict(run) for run in store.runs(schedule_id, limit)]

    print_json(_with_store(tenant, read))


@app.command("delete")
def delete(schedule_id: str, tenant: str = TENANT) -> None:
    """Delete a schedule, its pending firing and its runs."""
    _handle(DeleteSchedule(tenant_id=tenant, schedule_id=schedule_id))
    print_json({"deleted": schedule_id})
