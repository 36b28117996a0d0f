"""Benutzersteuerung: the users a manager sees, locks, unlocks and invites again; one user."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, case, select

from kontor.db import reading
from kontor.errors import Conflict, KontorError
from kontor.platform import Directory
from kontor.platform.permissions import MANAGE_SUB_USERS, MANAGE_USERS
from kontor.platform.tables import users
from kontor.web.admin.common import send_quietly
from kontor.web.views import (
    Action,
    Column,
    DetailView,
    Filter,
    Kind,
    Section,
    TableView,
    ViewContext,
)

STATUS_WORDS = {"active": "aktiv", "locked": "gesperrt"}


def user_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The users the caller manages: all of the tenant, or (brokers) those they created."""
    del filters
    status = case((users.c.active.is_(True), "active"), else_="locked").label("status")
    query = select(
        users.c.user_id.label("id"),
        users.c.display_name,
        users.c.login,
        users.c.email,
        status,
        users.c.created_at,
    ).where(users.c.tenant_id == context.principal.tenant_id)
    if not context.principal.has(MANAGE_USERS):
        query = query.where(users.c.created_by == context.principal.user_id)
    return query


def lock(context: ViewContext, row_id: str, reason: str | None) -> None:
    """*Sperren*: the user's sessions end and their API tokens stop working at once."""
    del reason
    if row_id == context.principal.user_id:
        raise Conflict("Sie können sich nicht selbst sperren.")
    kontor = context.kontor
    with kontor.bus.unit_of_work() as uow:
        kontor.administration.deactivate(uow, context.principal, row_id)
        uow.commit()


def unlock(context: ViewContext, row_id: str, reason: str | None) -> None:
    """*Entsperren*: the user may log in again."""
    del reason
    kontor = context.kontor
    with kontor.bus.unit_of_work() as uow:
        kontor.administration.reactivate(uow, context.principal, row_id)
        uow.commit()


def invite_again(context: ViewContext, row_id: str, reason: str | None) -> None:
    """*Einladung erneut senden*: a new invitation code by e-mail (the older one stops working)."""
    del reason
    kontor = context.kontor
    with kontor.bus.unit_of_work() as uow:
        user = kontor.administration.user(uow, context.principal, row_id)
        if user.has_password:
            raise Conflict("Der Benutzer hat schon ein Passwort.")
        mail = kontor.recovery.invite(uow, user)
        uow.commit()
    if not send_quietly(kontor, mail):
        raise Conflict("Die Einladung konnte nicht versandt werden.")


USERS = TableView(
    name="benutzer",
    path="/admin/users",
    title="Benutzer",
    permission=MANAGE_SUB_USERS,
    columns=(
        Column("display_name", "Name"),
        Column("login", "Anmeldename", sortable=True),
        Column("email", "E-Mail"),
        Column("status", "Status", Kind.BADGE, labels=STATUS_WORDS),
        Column("created_at", "Angelegt am", Kind.DATETIME),
    ),
    rows=user_rows,
    default_sort="login",
    search_fields=("display_name", "login", "email"),
    filters=(Filter("status", "Status", lambda _c: list(STATUS_WORDS.items()), column=True),),
    actions=(
        Action("lock", "Sperren", MANAGE_SUB_USERS, lock),
        Action("unlock", "Entsperren", MANAGE_SUB_USERS, unlock),
        Action("invite", "Einladung erneut senden", MANAGE_SUB_USERS, invite_again),
    ),
    detail_url=lambda row: f"/admin/users/{row['id']}",
)
"""The seed's Benutzersteuerung: search, lock and unlock with the context menu."""


def load_user(context: ViewContext, user_id: str) -> Mapping[str, Any] | None:
    """A user the caller manages; None for another tenant's or one out of reach (404)."""
    kontor = context.kontor
    with kontor.bus.reading() as uow:
        try:
            user = kontor.administration.user(uow, context.principal, user_id)
        except KontorError:
            return None
    status = "active" if user.active else "locked"
    password = "gesetzt" if user.has_password else "eingeladen"
    return {**vars(user), "status": status, "password": password}


def user_groups(context: ViewContext, user_id: str) -> Sequence[Mapping[str, Any]]:
    """The user's groups with their names."""
    with reading(context.kontor.engine) as connection:
        directory = Directory(connection, context.principal.tenant_id)
        names = {group.group_id: group.name for group in directory.groups()}
        ids = sorted(directory.group_ids_of(user_id))
    return [{"group_id": group_id, "name": names.get(group_id, group_id)} for group_id in ids]


def user_grants(context: ViewContext, user_id: str) -> Sequence[Mapping[str, Any]]:
    """Permissions granted to or withdrawn from the user beyond the groups."""
    with reading(context.kontor.engine) as connection:
        grants = Directory(connection, context.principal.tenant_id).grants_of(user_id)
    words = {True: "gewährt", False: "entzogen"}
    return [{"permission": g.permission, "granted": words[g.granted]} for g in grants]


USER_VIEW = DetailView(
    name="benutzer",
    path="/admin/users",
    permission=MANAGE_SUB_USERS,
    title_field="display_name",
    load=load_user,
    fields=(
        Column("login", "Anmeldename"),
        Column("email", "E-Mail"),
        Column("status", "Status", Kind.BADGE, labels=STATUS_WORDS),
        Column("password", "Passwort"),
        Column("created_at", "Angelegt am", Kind.DATETIME),
        Column("created_by", "Angelegt von", Kind.USER),
    ),
    sections=(
        Section("Gruppen", (Column("name", "Gruppe"), Column("group_id", "Kennung")), user_groups),
        Section(
            "Einzelrechte",
            (Column("permission", "Recht"), Column("granted", "Stand")),
            user_grants,
        ),
    ),
    back=("Zur Benutzerliste", "/admin/users"),
    not_found="Diesen Benutzer gibt es nicht.",
    id_name="user_id",
    audited_as="user",
)
"""One user: login, status, groups and individual grants."""
