"""The administration's hand-made pages: the overview, the forms and the permission editors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.wiring import kontor_of
from kontor.db import reading
from kontor.errors import KontorError
from kontor.platform import (
    APP_ACTIONS,
    APPS,
    PERMISSIONS,
    SIGNED_IN,
    Directory,
    Principal,
    ProfileStore,
    app_permission,
)
from kontor.platform.permissions import (
    MANAGE_BROKER_SYSTEMS,
    MANAGE_GROUPS,
    MANAGE_SUB_USERS,
    MANAGE_TENANTS,
    TenantKind,
)
from kontor.platform.tenants import TenantStore
from kontor.web.admin.common import entries_for, send_quietly
from kontor.web.admin.forms import BROKER_SYSTEM_FORM, invitation_form
from kontor.web.forms import coerce, validation_errors
from kontor.web.messages import german_error
from kontor.web.registry import APP_TITLES
from kontor.web.security import PageForbidden, page_requires
from kontor.web.templating import render
from kontor.web.views import FormView

router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)

ACTION_WORDS = {
    "use": "Öffnen",
    "read": "Lesen",
    "save": "Speichern",
    "delete": "Löschen",
    "export": "Exportieren",
    "history": "Historie",
}
"""The app actions of the permission matrix in German."""


async def _fields(request: Request) -> dict[str, list[str]]:
    body = (await request.body()).decode("utf-8", "replace")
    values: dict[str, list[str]] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        values.setdefault(key, []).append(value)
    return values


@router.get("/admin")
def overview(
    request: Request, caller: Annotated[Principal, page_requires(SIGNED_IN)]
) -> HTMLResponse:
    """The administration screens the caller may open (403 when there is none)."""
    entries = entries_for(caller)
    if not entries:
        raise PageForbidden("admin")
    return render(request, "admin/index.html", {"principal": caller, "entries": entries})


def _form_page(
    request: Request,
    caller: Principal,
    form: FormView,
    back: tuple[str, str],
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    message: str | None = None,
    problem: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {
        "principal": caller,
        "form": form,
        "back": back,
        "values": values or {},
        "errors": errors or {},
        "message": message,
        "problem": problem,
    }
    return render(request, "admin/form.html", context, status=status)


def _checked(form: FormView, submitted: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    data, errors = coerce(form, submitted)
    return data, {**validation_errors(form, data), **errors}


USERS_BACK = ("Zur Benutzerliste", "/admin/users")


def _groups_to_offer(request: Request, caller: Principal) -> list[Any]:
    with reading(kontor_of(request).engine) as connection:
        groups = Directory(connection, caller.tenant_id).groups()
    if caller.has("platform:users"):
        return groups
    return [group for group in groups if group.group_id in caller.groups]  # brokers: their own


@router.get("/admin/users/new")
def invitation_page(
    request: Request, caller: Annotated[Principal, page_requires(MANAGE_SUB_USERS)]
) -> HTMLResponse:
    """The form to invite a user."""
    form = invitation_form(_groups_to_offer(request, caller))
    return _form_page(request, caller, form, USERS_BACK)


@router.post("/admin/users/new")
async def invite(
    request: Request, caller: Annotated[Principal, page_requires(MANAGE_SUB_USERS)]
) -> HTMLResponse:
    """Create the user without a password and send the invitation."""
    submitted = {key: values[-1] for key, values in (await _fields(request)).items()}
    form = invitation_form(_groups_to_offer(request, caller))
    data, errors = _checked(form, submitted)
    if errors:
        return _form_page(
            request,
            caller,
            form,
            USERS_BACK,
            values=submitted,
            errors=errors,
            problem="Bitte prüfen Sie die markierten Felder.",
            status=422,
        )
    kontor = kontor_of(request)
    try:
        with kontor.bus.unit_of_work() as uow:
            user = kontor.administration.create_user(
                uow,
                caller,
                login=data["login"],
                display_name=data["display_name"],
                email=data["email"],
                group_ids=[data["group"]],
                password=None,
            )
            mail = kontor.recovery.invite(uow, user)
            uow.commit()
    except KontorError as error:
        return _form_page(
            request,
            caller,
            form,
            USERS_BACK,
            values=submitted,
            problem=german_error(error),
            status=error.status,
        )
    sent = send_quietly(kontor, mail)
    done = (
        "Benutzer angelegt; die Einladung ist versandt."
        if sent
        else ("Benutzer angelegt; die Einladung konnte nicht versandt werden.")
    )
    return _form_page(request, caller, form, USERS_BACK, message=done)


BROKERS_BACK = ("Zu den Maklersystemen", "/admin/broker-systems")


@router.get("/admin/broker-systems/new")
def broker_system_page(
    request: Request, caller: Annotated[Principal, page_requires(MANAGE_BROKER_SYSTEMS)]
) -> HTMLResponse:
    """The form to create a broker system."""
    return _form_page(request, caller, BROKER_SYSTEM_FORM, BROKERS_BACK)


@router.post("/admin/broker-systems/new")
async def create_broker_system(
    request: Request, caller: Annotated[Principal, page_requires(MANAGE_BROKER_SYSTEMS)]
) -> HTMLResponse:
    """Create the broker system and invite its first user."""
    submitted = {key: values[-1] for key, values in (await _fields(request)).items()}
    form = BROKER_SYSTEM_FORM
    data, errors = _checked(form, submitted)
    if errors:
        return _form_page(
            request,
            caller,
            form,
            BROKERS_BACK,
            values=submitted,
            errors=errors,
            problem="Bitte prüfen Sie die markierten Felder.",
            status=422,
        )
    kontor = kontor_of(request)
    try:
        with kontor.bus.unit_of_work() as uow:
            _, user = kontor.administration.create_broker_system(
                uow,
                caller,
                tenant_id=data["tenant_id"],
                company_name=data["company_name"],
                contact_name=data["contact_name"],
                email=data["email"],
                login=data["login"],
                password=None,
            )
            mail = kontor.recovery.invite(uow, user)
            uow.commit()
    except KontorError as error:
        return _form_page(
            request,
            caller,
            form,
            BROKERS_BACK,
            values=submitted,
            problem=german_error(error),
            status=error.status,
        )
    sent = send_quietly(kontor, mail)
    done = (
        "Maklersystem angelegt; die Einladung ist versandt."
        if sent
        else ("Maklersystem angelegt; die Einladung konnte nicht versandt werden.")
    )
    return _form_page(request, caller, form, BROKERS_BACK, message=done)


def _matrix(held: frozenset[str], offered: frozenset[str]) -> list[dict[str, Any]]:
    return [
        {
            "app": app,
            "title": APP_TITLES.get(app, app),
            "cells": [
                (
                    action,
                    app_permission(app, action),
                    app_permission(app, action) in held,
                    app_permission(app, action) in offered,
                )
                for action in APP_ACTIONS
            ],
        }
        for app in APPS
    ]


def _editor(
    request: Request,
    caller: Principal,
    *,
    title: str,
    subject: str,
    held: frozenset[str],
    offered: frozenset[str],
    back: tuple[str, str],
    message: str | None = None,
    problem: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    app_permissions = {app_permission(app, action) for app in APPS for action in APP_ACTIONS}
    others: Sequence[tuple[str, bool]] = [
        (name, name in held) for name in sorted((offered | held) - app_permissions)
    ]
    context = {
        "principal": caller,
        "title": title,
        "subject": subject,
        "back": back,
        "matrix": _matrix(held, offered),
        "actions": ACTION_WORDS,
        "others": others,
        "message": message,
        "problem": problem,
    }
    return render(request, "admin/permissions.html", context, status=status)


GROUPS_BACK = ("Zu den Gruppen", "/admin/groups")


def _group_editor(request: Request, caller: Principal, group_id: str, **extra: Any) -> HTMLResponse:
    with reading(kontor_of(request).engine) as connection:
        try:
            group = Directory(connection, caller.tenant_id).group(group_id)
        except KontorError:
            message = {"message": "Diese Gruppe gibt es nicht."}
            return render(request, "error.html", {**message, "principal": caller}, status=404)
        kind = TenantStore(connection).get(caller.tenant_id).kind
        ceiling = ProfileStore(connection).ceiling(kind)
    return _editor(
        request,
        caller,
        title=f"Gruppe {group.name}",
        subject=group.group_id,
        held=group.permissions,
        offered=ceiling,
        back=GROUPS_BACK,
        **extra,
    )


@router.get("/admin/groups/{group_id}")
def group_page(
    group_id: str, request: Request, caller: Annotated[Principal, page_requires(MANAGE_GROUPS)]
) -> HTMLResponse:
    """A group's permissions as app × action matrix plus the platform's permissions."""
    return _group_editor(request, caller, group_id)


@router.post("/admin/groups/{group_id}")
async def change_group(
    group_id: str, request: Request, caller: Annotated[Principal, page_requires(MANAGE_GROUPS)]
) -> HTMLResponse:
    """Replace the group's permissions with the ticked ones; members feel it at once."""
    chosen = (await _fields(request)).get("permission", [])
    kontor = kontor_of(request)
    try:
        with kontor.bus.unit_of_work() as uow:
            kontor.administration.set_group_permissions(uow, caller, group_id, chosen)
            uow.commit()
    except KontorError as error:
        if error.status == 404:
            return _group_editor(request, caller, group_id)
        return _group_editor(
            request, caller, group_id, problem=german_error(error), status=error.status
        )
    return _group_editor(request, caller, group_id, message="Rechte gespeichert.")


PROFILES_BACK = ("Zu den Gruppenprofilen", "/admin/profiles")


def _profile_editor(
    request: Request, caller: Principal, group_id: str, **extra: Any
) -> HTMLResponse:
    with reading(kontor_of(request).engine) as connection:
        try:
            profile = ProfileStore(connection).profile(group_id)
        except KontorError:
            message = {"message": "Dieses Gruppenprofil gibt es nicht."}
            return render(request, "error.html", {**message, "principal": caller}, status=404)
    offered = (
        PERMISSIONS
        if profile.kind is TenantKind.OPERATOR
        else PERMISSIONS - {MANAGE_TENANTS, "usage:read_all"}
    )
    return _editor(
        request,
        caller,
        title=f"Gruppenprofil {profile.name}",
        subject=profile.group_id,
        held=profile.permissions,
        offered=offered,
        back=PROFILES_BACK,
        **extra,
    )


@router.get("/admin/profiles/{group_id}")
def profile_page(
    group_id: str, request: Request, caller: Annotated[Principal, page_requires(MANAGE_TENANTS)]
) -> HTMLResponse:
    """What a group profile carries, as the permission editor."""
    return _profile_editor(request, caller, group_id)


@router.post("/admin/profiles/{group_id}")
async def change_profile(
    group_id: str, request: Request, caller: Annotated[Principal, page_requires(MANAGE_TENANTS)]
) -> HTMLResponse:
    """Store the ticked permissions for tenants created from now on."""
    chosen = (await _fields(request)).get("permission", [])
    kontor = kontor_of(request)
    try:
        with kontor.bus.unit_of_work() as uow:
            kontor.administration.set_profile_permissions(uow, caller, group_id, chosen)
            uow.commit()
    except KontorError as error:
        return _profile_editor(
            request, caller, group_id, problem=german_error(error), status=error.status
        )
    return _profile_editor(request, caller, group_id, message="Profil gespeichert.")
