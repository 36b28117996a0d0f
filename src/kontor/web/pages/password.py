"""Setting a password from an invitation or reset e-mail's link; the user is then signed in.

The link carries the single-use code (``/password?code=…``). The form is public (nobody is
signed in yet), so it carries its own CSRF proof: a random value in a strict same-site cookie
that the form echoes, which another site can neither read nor set.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kontor.api.authentication import set_session_cookies
from kontor.api.body_routes import StrictJsonRoute
from kontor.api.security import public
from kontor.api.wiring import kontor_of
from kontor.db import reading
from kontor.errors import KontorError
from kontor.platform import SecondFactorPending
from kontor.platform.recovery import SET_PASSWORD_PAGE
from kontor.web.i18n import Phrase
from kontor.web.messages import german_error
from kontor.web.pages.forms import form_of
from kontor.web.templating import render

log = logging.getLogger(__name__)
router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)

FORM_COOKIE = "kontor_password_form"
UNUSABLE = (
    "Dieser Link ist unbekannt, schon verwendet oder abgelaufen. Bitte fordern Sie einen neuen an."
)
MAX_CODE = 200


@router.get(SET_PASSWORD_PAGE, dependencies=[public()])
def set_password_page(request: Request, code: str = "") -> Response:
    """The form that sets a password with the code of an e-mail's link."""
    kontor = kontor_of(request)
    code = code.strip()[:MAX_CODE]
    with reading(kontor.engine) as connection:
        usable = bool(code) and kontor.recovery.usable(connection, code, kontor.clock.now())
    if not usable:
        return render(request, "set_password.html", {"unusable": UNUSABLE}, status=404)
    return _form(request, code, None, 200)


@router.post(SET_PASSWORD_PAGE, dependencies=[public()])
async def set_password(request: Request) -> Response:
    """Set the password; then sign the user in (or ask for their second factor's code)."""
    form = await form_of(request)
    code = form.get("code", "").strip()[:MAX_CODE]
    sent, expected = form.get("form_token", ""), request.cookies.get(FORM_COOKIE, "")
    if not expected or not hmac.compare_digest(sent, expected):
        message = "Das Formular ist abgelaufen. Bitte öffnen Sie den Link aus der E-Mail erneut."
        return render(request, "set_password.html", {"unusable": message}, status=403)
    password = form.get("password", "")
    if password != form.get("repeat_password", ""):
        return _form(request, code, "Die beiden Kennwörter stimmen nicht überein.", 422)
    kontor = kontor_of(request)
    try:
        with kontor.bus.unit_of_work() as uow:
            user, confirmation = kontor.recovery.redeem(uow, code, password)
            uow.commit()
    except KontorError as error:
        if error.details.get("field") == "token":
            return render(request, "set_password.html", {"unusable": UNUSABLE}, status=404)
        message = Phrase(
            "Das Kennwort erfüllt die Regeln nicht: {reason}", reason=german_error(error)
        )
        return _form(request, code, message, error.status)
    try:
        kontor.mailer.send(confirmation)
    except Exception:  # the password stands even when the confirmation cannot be sent
        log.exception("password change confirmation could not be sent")
    return _sign_in(request, user.login, password)


def _sign_in(request: Request, login: str, password: str) -> Response:
    kontor = kontor_of(request)
    try:
        outcome = kontor.authenticator.login(
            kontor.engine, kontor.clock, login, password,
            client_address=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
        )  # fmt: skip
    except KontorError:  # e.g. locked meanwhile: the password is set, the login page follows
        return RedirectResponse("/login", status_code=303)
    if isinstance(outcome, SecondFactorPending):
        values = {"next": "/", "error": None, "challenge": outcome.challenge}
        return render(request, "login.html", values)
    response = RedirectResponse("/", status_code=303)
    set_session_cookies(response, kontor.settings, outcome.secret)
    response.delete_cookie(FORM_COOKIE, path=SET_PASSWORD_PAGE)
    return response


def _form(request: Request, code: str, problem: str | None, status: int) -> Response:
    token = secrets.token_urlsafe(24)
    values = {"code": code, "form_token": token, "problem": problem}
    response = render(request, "set_password.html", values, status=status)
    response.set_cookie(
        FORM_COOKIE, token, max_age=3600, path=SET_PASSWORD_PAGE, httponly=True,
        secure=kontor_of(request).settings.session_cookie_secure, samesite="strict",
    )  # fmt: skip
    return response
