"""Schedules and webhooks in the administration: the tenant's schedules (pause, resume, run
now) and webhook subscriptions (switch on and off), as declared tables over the same commands
and stores as the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, String, case, cast, select

from kontor.api.routes.webhooks import switch_subscription
from kontor.db import reading
from kontor.integration.scheduler import PauseSchedule, ResumeSchedule, RunScheduleNow
from kontor.integration.scheduler.tables import schedules
from kontor.integration.webhooks.tables import webhook_subscriptions
from kontor.web.views import Action, Column, Filter, Kind, TableView, ViewContext
from kontor.web.views.declarations import ActionRun

SCHEDULE_STATES = {"active": "aktiv", "paused": "angehalten"}
SUBSCRIPTION_STATES = {"enabled": "aktiv", "disabled": "abgeschaltet"}


def schedule_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The caller's tenant's schedules."""
    del filters
    s = schedules.c
    state = case((s.paused.is_(True), "paused"), else_="active").label("state")
    return select(
        s.schedule_id.label("id"), s.name, s.cron, s.time_window, s.command_type, state,
        s.next_due_at,
    ).where(s.tenant_id == context.principal.tenant_id)  # fmt: skip


def _schedule_command(kind: type[PauseSchedule | ResumeSchedule | RunScheduleNow]) -> ActionRun:
    """An action sending ``kind`` for the row's schedule through the bus."""

    def run(context: ViewContext, row_id: str, reason: str | None) -> None:
        del reason
        principal = context.principal
        if kind is RunScheduleNow:  # sending its command by hand needs that command's permission
            scheduler = context.kontor.scheduler
            with reading(context.kontor.engine) as connection:
                command_type = connection.execute(
                    select(schedules.c.command_type).where(
                        schedules.c.tenant_id == principal.tenant_id,
                        schedules.c.schedule_id == row_id,
                    )
                ).scalar_one_or_none()
            if command_type is not None and scheduler is not None:
                principal.require(scheduler.commands.permission_for(command_type))
        context.kontor.bus.handle(
            kind(tenant_id=principal.tenant_id, actor=principal.user_id, schedule_id=row_id)
        )

    return run


SCHEDULES = TableView(
    name="zeitplaene",
    path="/admin/schedules",
    title="Zeitpläne",
    permission="schedules:read",
    columns=(
        Column("name", "Name", sortable=True),
        Column("cron", "Rhythmus"),
        Column("time_window", "Zeitfenster"),
        Column("command_type", "Befehl"),
        Column("state", "Status", Kind.BADGE, labels=SCHEDULE_STATES),
        Column("next_due_at", "Nächste Ausführung", Kind.DATETIME),
    ),
    rows=schedule_rows,
    default_sort="name",
    search_fields=("name", "cron", "command_type"),
    filters=(Filter("state", "Status", lambda _c: list(SCHEDULE_STATES.items()), column=True),),
    actions=(
        Action("run", "Jetzt ausführen", "schedules:run", _schedule_command(RunScheduleNow)),
        Action("pause", "Anhalten", "schedules:manage", _schedule_command(PauseSchedule)),
        Action("resume", "Fortsetzen", "schedules:manage", _schedule_command(ResumeSchedule)),
    ),
)
"""The tenant's schedules: when each fires next; pause, resume or run one now."""


def subscription_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The caller's tenant's webhook subscriptions (never their secrets)."""
    del filters
    w = webhook_subscriptions.c
    state = case((w.enabled.is_(True), "enabled"), else_="disabled").label("state")
    return select(
        w.subscription_id.label("id"), w.url, w.description,
        cast(w.event_types, String).label("event_types"), state, w.disabled_reason,
        w.consecutive_failures,
    ).where(w.tenant_id == context.principal.tenant_id)  # fmt: skip


def _switch(enabled: bool) -> ActionRun:
    """An action switching the row's subscription on or off."""

    def run(context: ViewContext, row_id: str, reason: str | None) -> None:
        del reason
        switch_subscription(context.kontor, context.principal, row_id, enabled)

    return run


WEBHOOKS = TableView(
    name="webhooks",
    path="/admin/webhooks",
    title="Webhooks",
    permission="webhooks:read",
    columns=(
        Column("url", "Ziel-URL", sortable=True),
        Column("description", "Beschreibung"),
        Column("event_types", "Ereignisse"),
        Column("state", "Status", Kind.BADGE, labels=SUBSCRIPTION_STATES),
        Column("disabled_reason", "Grund"),
        Column("consecutive_failures", "Fehlschläge in Folge", Kind.NUMBER),
    ),
    rows=subscription_rows,
    default_sort="url",
    search_fields=("url", "description", "event_types"),
    filters=(Filter("state", "Status", lambda _c: list(SUBSCRIPTION_STATES.items()), column=True),),
    actions=(
        Action("enable", "Einschalten", "webhooks:manage", _switch(True)),
        Action("disable", "Abschalten", "webhooks:manage", _switch(False)),
    ),
)
"""The tenant's webhook subscriptions: where events go, whether they are on, and failures."""
