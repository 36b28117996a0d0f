"""The second factor (TOTP): the login's second step, my enrolment, and what administrators set."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.routes.auth import LoginOut, logged_in_response
from kontor.api.routes.users import GroupOut
from kontor.api.security import public, requires
from kontor.api.wiring import kontor_of
from kontor.db import reading
from kontor.platform import SIGNED_IN, Principal, SecondFactors, TenantStore
from kontor.platform.permissions import MANAGE_GROUPS

router = APIRouter(prefix="/api/auth", tags=["authentication"], route_class=StrictJsonRoute)
administration = APIRouter(prefix="/api/platform", tags=["platform"], route_class=StrictJsonRoute)

Me = Annotated[Principal, requires(SIGNED_IN)]
Code = Field(min_length=6, max_length=40, description="six digits from the app, or a recovery code")


class SecondStepIn(BaseModel):
    """The challenge of the login's first step and a code from the authenticator app."""

    challenge: str = Field(min_length=1, max_length=200)
    code: str = Code


class PasswordConfirmIn(BaseModel):
    """My password, to set up a second factor."""

    password: str = Field(min_length=1, max_length=1024)


class EnrolledOut(BaseModel):
    """The new seed, shown this once: scan the URI (a QR code of it) or type the secret."""

    otpauth_uri: str
    secret: str


class CodeIn(BaseModel):
    """A code from the authenticator app (or a recovery code, where one is accepted)."""

    code: str = Code


class RecoveryCodesOut(BaseModel):
    """One-time recovery codes, shown this once: each stands in for the app one time."""

    recovery_codes: list[str]


class DisableIn(BaseModel):
    """My password and a code, to switch the second factor off."""

    password: str = Field(min_length=1, max_length=1024)
    code: str = Code


class SecondFactorOut(BaseModel):
    """Whether I have a second factor, whether my groups require one, codes left."""

    enabled: bool
    pending_confirmation: bool
    required: bool
    recovery_codes_left: int


class RequirementIn(BaseModel):
    """Whether the members (of the group, or of the whole tenant) must use a second factor."""

    required: bool


def _factors(request: Request) -> SecondFactors:
    factors = kontor_of(request).authenticator.second_factors
    assert factors is not None  # wired by bootstrap
    return factors


@router.post("/login/second-factor", dependencies=[public()])
def second_step(body: SecondStepIn, request: Request, response: Response) -> LoginOut:
    """Finish a login with a code (or a recovery code): a new session in an HttpOnly cookie."""
    kontor = kontor_of(request)
    logged_in = kontor.authenticator.complete_login(
        kontor.engine,
        kontor.clock,
        body.challenge,
        body.code,
        client_address=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )
    return logged_in_response(request, response, logged_in)


@router.get("/me/second-factor")
def my_second_factor(request: Request, caller: Me) -> SecondFactorOut:
    """Whether I have a second factor and whether my groups require one."""
    with kontor_of(request).bus.unit_of_work() as uow:
        status = _factors(request).status(uow.connection, caller)
    return SecondFactorOut(**status.__dict__)


@router.post("/me/second-factor", status_code=201)
def enrol(body: PasswordConfirmIn, request: Request, caller: Me) -> EnrolledOut:
    """Set up a second factor: a new seed, shown once; it counts once a code confirms it."""
    with kontor_of(request).bus.unit_of_work() as uow:
        enrolled = _factors(request).enrol(uow, caller, body.password)
        uow.commit()
    return EnrolledOut(otpauth_uri=enrolled.otpauth_uri, secret=enrolled.secret)


@router.post("/me/second-factor/confirm")
def confirm(body: CodeIn, request: Request, caller: Me) -> RecoveryCodesOut:
    """Switch the second factor on with a first code; the recovery codes, shown once."""
    with kontor_of(request).bus.unit_of_work() as uow:
        codes = _factors(request).confirm(uow, caller, body.code)
        uow.commit()
    return RecoveryCodesOut(recovery_codes=codes)


@router.post("/me/second-factor/recovery-codes")
def renew_recovery_codes(body: CodeIn, request: Request, caller: Me) -> RecoveryCodesOut:
    """New recovery codes for a code; the old ones stop working."""
    with kontor_of(request).bus.unit_of_work() as uow:
        codes = _factors(request).renew_recovery_codes(uow, caller, body.code)
        uow.commit()
    return RecoveryCodesOut(recovery_codes=codes)


@router.post("/me/second-factor/disable", status_code=204)
def disable(body: DisableIn, request: Request, caller: Me) -> None:
    """Switch my second factor off with my password and a code (or a recovery code)."""
    with kontor_of(request).bus.unit_of_work() as uow:
        _factors(request).disable(uow, caller, body.password, body.code)
        uow.commit()


@administration.put("/groups/{group_id}/second-factor")
def require_second_factor(
    group_id: str,
    body: RequirementIn,
    request: Request,
    caller: Annotated[Principal, requires(MANAGE_GROUPS)],
) -> GroupOut:
    """Require a second factor of a group's members; without one they keep only their account."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        group = kontor.administration.require_second_factor(uow, caller, group_id, body.required)
        uow.commit()
    return GroupOut.of(group)


class TenantRequirementOut(BaseModel):
    """Whether every user of my tenant must use a second factor."""

    tenant_id: str
    second_factor_required: bool


@administration.get("/tenant/second-factor")
def tenant_second_factor(
    request: Request, caller: Annotated[Principal, requires(MANAGE_GROUPS)]
) -> TenantRequirementOut:
    """Whether my tenant requires a second factor of every user."""
    with reading(kontor_of(request).engine) as connection:
        tenant = TenantStore(connection).get(caller.tenant_id)
    return TenantRequirementOut(
        tenant_id=tenant.tenant_id, second_factor_required=tenant.second_factor_required
    )


@administration.put("/tenant/second-factor")
def require_second_factor_in_tenant(
    body: RequirementIn,
    request: Request,
    caller: Annotated[Principal, requires(MANAGE_GROUPS)],
) -> TenantRequirementOut:
    """Require a second factor of every user of my tenant; without one they keep only their
    account and are led to set one up. Set up your own first (409 otherwise)."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        tenant = kontor.administration.require_second_factor_in_tenant(uow, caller, body.required)
        uow.commit()
    return TenantRequirementOut(
        tenant_id=tenant.tenant_id, second_factor_required=tenant.second_factor_required
    )


@administration.delete("/users/{user_id}/second-factor", status_code=204)
def reset_second_factor(
    user_id: str,
    request: Request,
    caller: Annotated[Principal, requires("platform:sub_users")],
) -> None:
    """Remove the second factor of a user I manage (lost device and recovery codes)."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        kontor.administration.reset_second_factor(uow, caller, user_id)
        uow.commit()
