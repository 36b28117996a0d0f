"""The user's profile: password change, live sessions, personal API tokens."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.wiring import kontor_of
from kontor.errors import KontorError
from kontor.platform import SIGNED_IN, Directory, Principal, SessionStore, TokenStore
from kontor.web.i18n import Phrase
from kontor.web.messages import german_error
from kontor.web.pages.forms import form_of
from kontor.web.security import page_requires
from kontor.web.templating import is_htmx, render

log = logging.getLogger(__name__)
router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)


def _profile(
    request: Request, caller: Principal, *, message: str | None = None,
    problem: str | None = None, new_token: str | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    kontor = kontor_of(request)
    with kontor.engine.connect() as connection:
        user = Directory(connection, caller.tenant_id).user(caller.user_id)
        sessions = SessionStore(connection).live(
            caller.tenant_id, caller.user_id, kontor.clock.now()
        )
        tokens = TokenStore(connection).of_user(caller.tenant_id, caller.user_id)
    values = {
        "principal": caller, "user": user, "user_name": user.display_name, "sessions": sessions,
        "tokens": tokens, "message": message, "problem": problem, "new_token": new_token,
        "now": kontor.clock.now(),
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


def password_refusal(error: KontorError) -> str:
    """Why my password was not changed, in German."""
    if error.details.get("field") == "current_password":
        return "Das bisherige Passwort stimmt nicht."
    reason = german_error(error)
    if error.code == "kontor.invalid_input":
        return Phrase("Das neue Passwort erfüllt die Regeln nicht: {reason}", reason=reason)
    return Phrase("Das Passwort wurde nicht geändert: {reason}", reason=reason)
