"""The user's profile: password change and expiry, live sessions, personal API tokens, absences
with their substitute."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.routes.absences import record_absence_of, withdraw_absence_of
from kontor.api.routes.auth import switch_password_expiry
from kontor.api.wiring import kontor_of
from kontor.db import reading
from kontor.errors import KontorError
from kontor.platform import SIGNED_IN, Absences, Directory, Principal, SessionStore, TokenStore
from kontor.platform.expiry import expires_at
from kontor.web.i18n import BERLIN, Phrase
from kontor.web.messages import german_error
from kontor.web.pages.forms import form_of
from kontor.web.security import page_requires
from kontor.web.templating import is_htmx, render

log = logging.getLogger(__name__)
router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)
EXPIRY_OFF_WARNING = (
    "Ihr Passwort läuft nicht mehr ab. Ein Passwort, das sich nie ändert, bleibt für jeden "
    "brauchbar, der es erfahren hat: Ändern Sie es selbst ab und zu – und sofort, wenn es "
    "bekannt geworden sein könnte."
)


def _profile(
    request: Request, caller: Principal, *, message: str | None = None,
    problem: str | None = None, new_token: str | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    kontor = kontor_of(request)
    with reading(kontor.engine) as connection:
        user = Directory(connection, caller.tenant_id).user(caller.user_id)
        sessions = SessionStore(connection).live(
            caller.tenant_id, caller.user_id, kontor.clock.now()
        )
        tokens = TokenStore(connection).of_user(caller.tenant_id, caller.user_id)
        directory = Directory(connection, caller.tenant_id)
        absences = Absences(connection, caller.tenant_id).of(
            caller.user_id, ending_after=kontor.clock.now()
        )
        colleagues = [u for u in directory.users() if u.active and u.user_id != caller.user_id]
        groups = directory.groups()
    policy = kontor.authenticator.expiry
    values = {
        "principal": caller, "user": user, "user_name": user.display_name, "sessions": sessions,
        "tokens": tokens, "message": message, "problem": problem, "new_token": new_token,
        "now": kontor.clock.now(), "absences": absences, "colleagues": colleagues,
        "groups": groups, "names": {u.user_id: u.display_name for u in colleagues},
        "group_names": {g.group_id: g.name for g in groups},
        "password_expires_at": expires_at(policy, user.password_changed_at, user.password_expires),
        "expiry_applies": policy.max_age is not None, "expiry_warning": (
            EXPIRY_OFF_WARNING if policy.max_age is not None and not user.password_expires else None
        ),
    }  # fmt: skip
    block = "profile_body" if is_htmx(request) else None
    return render(request, "profile.html", values, block=block, status=status)


@router.get("/profile")
def profile(
    request: Request, caller: Annotated[Principal, page_requires(SIGNED_IN)]
) -> HTMLResponse:
    """My profile."""
    return _profile(request, caller)


@router.post("/profile/password")
async def change_password(
    request: Request, caller: Annotated[Principal, page_requires(SIGNED_IN)]
) -> HTMLResponse:
    """Change my password; my other sessions end."""
    form = await form_of(request)
    kontor = kontor_of(request)
    if form.get("new_password", "") != form.get("repeat_password", ""):
        return _profile(
            request, caller, problem="Die neuen Passwörter stimmen nicht überein.", status=422
        )
    try:
        with kontor.bus.unit_of_work() as uow:
            ended = kontor.authenticator.change_password(
                uow, caller, form.get("current_password", ""), form.get("new_password", "")
            )
            user = Directory(uow.connection, caller.tenant_id).user(caller.user_id)
            uow.commit()
    except KontorError as error:
        return _profile(request, caller, problem=password_refusal(error), status=error.status)
    try:
        kontor.mailer.send(kontor.recovery.password_changed(user))
    except Exception:  # the change stands even when the confirmation cannot be sent
        log.exception("password change confirmation could not be sent")
    return _profile(
        request,
        caller,
        message=Phrase("Passwort geändert; {ended} andere Sitzung(en) beendet.", ended=str(ended)),
    )


@router.post("/profile/sessions/{session_id}/end")
def end_session(
    session_id: str, request: Request, caller: Annotated[Principal, page_requires(SIGNED_IN)]
) -> HTMLResponse:
    """End one of my sessions."""
    kontor = kontor_of(request)
    try:
        with kontor.bus.unit_of_work() as uow:
            kontor.authenticator.end_session(uow, caller, session_id)
            uow.commit()
    except KontorError:
        return _profile(request, caller, problem="Diese Sitzung gibt es nicht.", status=404)
    return _profile(request, caller, message="Sitzung beendet.")


@router.post("/profile/tokens")
async def create_token(
    request: Request, caller: Annotated[Principal, page_requires(SIGNED_IN)]
) -> HTMLResponse:
    """Create a personal API token with all my permissions, valid for the chosen days."""
    form = await form_of(request)
    kontor = kontor_of(request)
    name = form.get("name", "").strip()
    try:
        days = int(form.get("days", "30"))
    except ValueError:
        days = 0
    if not name or not 1 <= days <= 365:
        return _profile(
            request, caller, problem="Bitte einen Namen und 1 bis 365 Tage angeben.", status=422
        )
    expires = kontor.clock.now() + dt.timedelta(days=days)
    try:
        with kontor.bus.unit_of_work() as uow:
            _, secret = kontor.authenticator.create_token(
                uow, caller, name, sorted(caller.permissions), expires
            )
            uow.commit()
    except KontorError as error:
        return _profile(request, caller, problem=german_error(error), status=error.status)
    return _profile(request, caller, message="Token angelegt.", new_token=secret)


@router.post("/profile/tokens/{token_id}/revoke")
def revoke_token(
    token_id: str, request: Request, caller: Annotated[Principal, page_requires(SIGNED_IN)]
) -> HTMLResponse:
    """Revoke one of my API tokens."""
    kontor = kontor_of(request)
    try:
        with kontor.bus.unit_of_work() as uow:
            kontor.authenticator.revoke_token(uow, caller, token_id)
            uow.commit()
    except KontorError:
        return _profile(request, caller, problem="Dieses Token gibt es nicht.", status=404)
    return _profile(request, caller, message="Token widerrufen.")


@router.post("/profile/password-expiry")
async def set_password_expiry(
    request: Request, caller: Annotated[Principal, page_requires(SIGNED_IN)]
) -> HTMLResponse:
    """Let my password expire with age (``expires=on``) or not; switching it off warns."""
    form = await form_of(request)
    expires = form.get("expires") == "on"
    switch_password_expiry(kontor_of(request), caller, expires)
    done = "Ihr Passwort läuft wieder nach Ablauf der Frist ab." if expires else None
    return _profile(request, caller, message=done)


@router.post("/profile/absences")
async def record_absence(
    request: Request, caller: Annotated[Principal, page_requires(SIGNED_IN)]
) -> HTMLResponse:
    """Record an absence (Berlin times) with a substitute user or group."""
    form = await form_of(request)
    try:
        starts_at, ends_at = _berlin(form.get("starts_at", "")), _berlin(form.get("ends_at", ""))
    except ValueError:
        return _profile(request, caller, problem="Bitte Beginn und Ende angeben.", status=422)
    kind, _, substitute = form.get("substitute", "").partition(":")
    kontor = kontor_of(request)
    try:
        with kontor.bus.unit_of_work() as uow:
            record_absence_of(
                uow, caller, starts_at, ends_at,
                substitute_user_id=substitute if kind == "user" else None,
                substitute_group_id=substitute if kind == "group" else None,
                note=form.get("note", "").strip() or None,
            )  # fmt: skip
            uow.commit()
    except KontorError as error:
        return _profile(request, caller, problem=german_error(error), status=error.status)
    return _profile(request, caller, message="Abwesenheit eingetragen.")


@router.post("/profile/absences/{absence_id}/withdraw")
def withdraw_absence(
    absence_id: str, request: Request, caller: Annotated[Principal, page_requires(SIGNED_IN)]
) -> HTMLResponse:
    """Withdraw one of my absences."""
    kontor = kontor_of(request)
    try:
        with kontor.bus.unit_of_work() as uow:
            withdraw_absence_of(uow, caller, absence_id)
            uow.commit()
    except KontorError:
        return _profile(request, caller, problem="Diese Abwesenheit gibt es nicht.", status=404)
    return _profile(request, caller, message="Abwesenheit zurückgezogen.")


def _berlin(text: str) -> dt.datetime:
    """A time from a ``datetime-local`` field, meant in Berlin."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def password_refusal(error: KontorError) -> str:
    """Why my password was not changed, in German."""
    if error.details.get("field") == "current_password":
        return "Das bisherige Passwort stimmt nicht."
    reason = german_error(error)
    if error.code == "kontor.invalid_input":
        return Phrase("Das neue Passwort erfüllt die Regeln nicht: {reason}", reason=reason)
    return Phrase("Das Passwort wurde nicht geändert: {reason}", reason=reason)
