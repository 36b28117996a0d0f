"""The shell: login and logout, the menu (app launcher), the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kontor.api.authentication import SESSION_COOKIE, clear_session_cookies, set_session_cookies
from kontor.api.body_routes import StrictJsonRoute
from kontor.api.security import public
from kontor.api.wiring import kontor_of
from kontor.db import reading
from kontor.errors import KontorError
from kontor.platform import SIGNED_IN, Directory, Principal, SecondFactorPending
from kontor.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from kontor.web.pages.forms import form_of
from kontor.web.pages.second_factor import PAGE as SECOND_FACTOR_PAGE
from kontor.web.registry import WebRegistry
from kontor.web.security import page_requires, safe_next
from kontor.web.templating import is_htmx, render

LOGIN_ERRORS = {
    "platform.login_failed": "Anmeldename oder Passwort ist falsch.",
    "platform.login_locked": "Zu viele fehlgeschlagene Anmeldungen. Bitte versuchen Sie es später.",
    "platform.password_expired": "Ihr Passwort ist abgelaufen. Bitte setzen Sie ein neues.",
    "platform.second_factor_failed": "Der Code ist falsch, schon verwendet oder abgelaufen.",
}

router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)


def registry_of(request: Request) -> WebRegistry:
    """The declarations the shell serves."""
    registry: WebRegistry = request.app.state.web_registry
    return registry


def display_name(request: Request, principal: Principal) -> str:
    """The caller's name as the page header shows it."""
    with reading(kontor_of(request).engine) as connection:
        return Directory(connection, principal.tenant_id).user(principal.user_id).display_name


@router.get("/login", dependencies=[public()])
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    """The login form."""
    return render(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login", dependencies=[public()])
async def login(request: Request) -> Response:
    """Log in from the form (then the second factor's code, if the user has one)."""
    form = await form_of(request)
    target = safe_next(form.get("next"))
    if form.get("challenge"):
        return _second_step(request, target, form.get("challenge", ""), form.get("code", ""))
    name, password = form.get("login", "").strip(), form.get("password", "")
    kontor = kontor_of(request)
    if not name or not password:
        return _login_failed(request, target, name, "Bitte Anmeldename und Passwort eingeben.", 422)
    try:
        outcome = kontor.authenticator.login(
            kontor.engine, kontor.clock, name, password,
            client_address=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
        )  # fmt: skip
    except KontorError as error:
        message = LOGIN_ERRORS.get(error.code, "Die Anmeldung ist fehlgeschlagen.")
        return _login_failed(request, target, name, message, error.status)
    if isinstance(outcome, SecondFactorPending):
        return _ask_for_code(request, target, outcome.challenge, None, 200)
    if outcome.second_factor_setup_required:  # only the account until the factor is set up
        target = SECOND_FACTOR_PAGE
    return _logged_in(request, target, outcome.secret)


def _second_step(request: Request, target: str, challenge: str, code: str) -> Response:
    kontor = kontor_of(request)
    if not code.strip():
        return _ask_for_code(request, target, challenge, "Bitte den Code eingeben.", 422)
    try:
        logged_in = kontor.authenticator.complete_login(
            kontor.engine, kontor.clock, challenge, code.strip(),
            client_address=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
        )  # fmt: skip
    except KontorError as error:
        message = LOGIN_ERRORS.get(error.code, "Die Anmeldung ist fehlgeschlagen.")
        return _ask_for_code(request, target, challenge, message, error.status)
    return _logged_in(request, target, logged_in.secret)


def _logged_in(request: Request, target: str, secret: str) -> Response:
    response: Response
    if is_htmx(request):
        response = Response(status_code=204, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    set_session_cookies(response, kontor_of(request).settings, secret)
    return response


def _ask_for_code(
    request: Request, target: str, challenge: str, message: str | None, status: int
) -> Response:
    values = {"next": target, "error": message, "challenge": challenge}
    block = "login_form" if is_htmx(request) else None
    return render(request, "login.html", values, block=block, status=status)


def _login_failed(request: Request, target: str, name: str, message: str, status: int) -> Response:
    values = {"next": target, "error": message, "login": name}
    block = "login_form" if is_htmx(request) else None
    return render(request, "login.html", values, block=block, status=status)


@router.post("/logout")
def logout(request: Request, caller: Annotated[Principal, page_requires(SIGNED_IN)]) -> Response:
    """End the session and go back to the login page."""
    kontor = kontor_of(request)
    if caller.session_id is not None and request.cookies.get(SESSION_COOKIE):
        with kontor.bus.unit_of_work() as uow:
            kontor.authenticator.end_session(uow, caller, caller.session_id)
            uow.commit()
    response = Response(status_code=204, headers={"HX-Redirect": "/login"})
    clear_session_cookies(response, kontor.settings)
    return response


@router.get("/")
def menu(request: Request, caller: Annotated[Principal, page_requires(SIGNED_IN)]) -> HTMLResponse:
    """The menu: the apps the caller's groups install and the platform's own pages."""
    tiles = registry_of(request).menu_for(caller.permissions)
    values = {"principal": caller, "tiles": tiles, "user_name": display_name(request, caller)}
    return render(request, "menu.html", values)


@router.get("/apps/{app}")
def app_page(
    app: str, request: Request, caller: Annotated[Principal, page_requires(SIGNED_IN)]
) -> HTMLResponse:
    """One app's entries; an app the caller's groups do not install does not exist for them."""
    tile = next(
        (t for t in registry_of(request).menu_for(caller.permissions) if t.app == app), None
    )
    if tile is None:
        return render(request, "error.html", {"message": "Diese Seite gibt es nicht."}, status=404)
    values = {"principal": caller, "tile": tile, "user_name": display_name(request, caller)}
    return render(request, "app.html", values)


@router.post("/language")
async def choose_language(
    request: Request, caller: Annotated[Principal, page_requires(SIGNED_IN)]
) -> Response:
    """Switch the UI language (German or English) for this browser."""
    del caller
    form = await form_of(request)
    language = form.get("language", "de")
    response = Response(status_code=204, headers={"HX-Refresh": "true"})
    if language in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="strict")
    return response
