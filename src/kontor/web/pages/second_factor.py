"""The user's second factor in the browser: set up (QR code), confirm, recovery codes, remove."""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.wiring import kontor_of
from kontor.db import reading
from kontor.errors import KontorError
from kontor.platform import SIGNED_IN, Principal, SecondFactors
from kontor.web.messages import german_error
from kontor.web.pages.forms import form_of
from kontor.web.security import page_requires
from kontor.web.templating import is_htmx, render, translate

router = APIRouter(route_class=StrictJsonRoute, include_in_schema=False)
PAGE = "/profile/second-factor"

PROBLEMS = {
    "platform.login_failed": "Das Passwort stimmt nicht.",
    "platform.second_factor_failed": "Der Code ist falsch, schon verwendet oder abgelaufen.",
    "platform.login_locked": "Zu viele falsche Codes. Bitte versuchen Sie es später.",
}
FIELD_PROBLEMS = {"password": "platform.login_failed", "code": "platform.second_factor_failed"}
Caller = Annotated[Principal, page_requires(SIGNED_IN)]


def _factors(request: Request) -> SecondFactors:
    factors = kontor_of(request).authenticator.second_factors
    assert factors is not None  # wired by bootstrap
    return factors


def qr_code_svg(uri: str, title: str) -> Markup:
    """The otpauth URI as an inline SVG QR code for authenticator apps, titled ``title``."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, title=title)
    return Markup(svg)  # noqa: S704 - segno's own SVG of an URI we built, no user markup


def _page(
    request: Request, caller: Principal, *, status: int = 200, **values: object
) -> HTMLResponse:
    with reading(kontor_of(request).engine) as connection:
        factor = _factors(request).status(connection, caller)
    values = {"principal": caller, "factor": factor, **values}
    block = "second_factor_body" if is_htmx(request) else None
    return render(request, "second_factor.html", values, block=block, status=status)


def _problem(request: Request, caller: Principal, error: KontorError) -> HTMLResponse:
    field = error.details.get("field")
    code = FIELD_PROBLEMS.get(field, error.code) if isinstance(field, str) else error.code
    text = PROBLEMS.get(code) or german_error(error)
    return _page(request, caller, problem=text, status=error.status)


@router.get(PAGE)
def second_factor_page(request: Request, caller: Caller) -> HTMLResponse:
    """My second factor: whether it is on, required, and how many recovery codes are left."""
    return _page(request, caller)


@router.post(PAGE)
async def start_setup(request: Request, caller: Caller) -> HTMLResponse:
    """Set up a second factor with my password: the QR code and the key, shown this once."""
    form = await form_of(request)
    kontor = kontor_of(request)
    try:
        with kontor.bus.unit_of_work() as uow:
            enrolled = _factors(request).enrol(uow, caller, form.get("password", ""))
            uow.commit()
    except KontorError as error:
        return _problem(request, caller, error)
    title = translate(request, "QR-Code für die Authenticator-App")
    qr_code = qr_code_svg(enrolled.otpauth_uri, title)
    return _page(request, caller, secret=enrolled.secret, qr_code=qr_code)


@router.post(PAGE + "/confirm")
async def confirm_setup(request: Request, caller: Caller) -> HTMLResponse:
    """Switch the second factor on with a first code; the recovery codes, shown this once."""
    form = await form_of(request)
    try:
        with kontor_of(request).bus.unit_of_work() as uow:
            codes = _factors(request).confirm(uow, caller, form.get("code", "").strip())
            uow.commit()
    except KontorError as error:
        return _problem(request, caller, error)
    message = "Der zweite Faktor ist eingerichtet."
    return _page(request, caller, recovery_codes=codes, message=message)


@router.post(PAGE + "/recovery-codes")
async def new_recovery_codes(request: Request, caller: Caller) -> HTMLResponse:
    """New recovery codes for a current code; the old ones stop working."""
    form = await form_of(request)
    try:
        with kontor_of(request).bus.unit_of_work() as uow:
            codes = _factors(request).renew_recovery_codes(uow, caller, form.get("code", ""))
            uow.commit()
    except KontorError as error:
        return _problem(request, caller, error)
    return _page(request, caller, recovery_codes=codes, message="Neue Wiederherstellungscodes.")


@router.post(PAGE + "/disable")
async def remove(request: Request, caller: Caller) -> HTMLResponse:
    """Switch my second factor off with my password and a code (or a recovery code)."""
    form = await form_of(request)
    try:
        with kontor_of(request).bus.unit_of_work() as uow:
            _factors(request).disable(uow, caller, form.get("password", ""), form.get("code", ""))
            uow.commit()
    except KontorError as error:
        return _problem(request, caller, error)
    return _page(request, caller, message="Der zweite Faktor ist ausgeschaltet.")
