"""Login and logout, who am I, my sessions, my password and my API tokens."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Request, Response
from pydantic import BaseModel, Field

from kontor.api.authentication import (
    SESSION_COOKIE,
    clear_session_cookies,
    set_session_cookies,
)
from kontor.api.body_routes import StrictJsonRoute
from kontor.api.security import public, requires
from kontor.api.wiring import kontor_of
from kontor.bootstrap import Kontor
from kontor.platform import (
    SIGNED_IN,
    ApiToken,
    Directory,
    LoggedIn,
    Mail,
    Principal,
    SecondFactorPending,
    Session,
    SessionStore,
    TokenStore,
    expires_at,
    installed_apps,
)

router = APIRouter(prefix="/api/auth", tags=["authentication"], route_class=StrictJsonRoute)
log = logging.getLogger(__name__)


def send_after_response(background: BackgroundTasks, request: Request, mail: Mail) -> None:
    """Send ``mail`` once the response is out: the answer's timing tells nothing about it."""
    mailer = kontor_of(request).mailer

    def send() -> None:
        try:
            mailer.send(mail)
        except Exception:  # the recipient is personal data: the log names only the subject
            log.exception("e-mail could not be sent", extra={"subject": mail.subject})

    background.add_task(send)


class LoginIn(BaseModel):
    """Login name and password."""

    login: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class LoginOut(BaseModel):
    """A new session; send ``csrf_token`` as ``X-CSRF-Token`` with cookie-authenticated writes."""

    user_id: str
    tenant_id: str
    session_id: str
    expires_at: dt.datetime
    csrf_token: str
    second_factor_setup_required: bool = Field(
        default=False,
        description="true: your tenant or group requires a second factor; until you set one up"
        " (POST /api/auth/me/second-factor) you hold only platform:account",
    )


class MeOut(BaseModel):
    """The caller: user, tenant, groups, permissions and the apps those open."""

    user_id: str
    tenant_id: str
    login: str
    display_name: str
    groups: list[str]
    permissions: list[str]
    apps: list[str]
    session_id: str | None
    password_expires_at: dt.datetime | None


class SessionOut(BaseModel):
    """A live login session."""

    session_id: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    client_address: str | None
    user_agent: str | None
    current: bool

    @classmethod
    def of(cls, session: Session, caller: Principal | None = None) -> SessionOut:
        """The response body for ``session``."""
        return cls(
            session_id=session.session_id,
            created_at=session.created_at,
            last_seen_at=session.last_seen_at,
            expires_at=session.expires_at,
            client_address=session.client_address,
            user_agent=session.user_agent,
            current=caller is not None and caller.session_id == session.session_id,
        )


class PasswordExpiryIn(BaseModel):
    """Whether my password expires with age."""

    expires: bool


class PasswordExpiryOut(BaseModel):
    """When my password expires (None: never), with a warning when I switched expiry off."""

    expires_at: dt.datetime | None
    warning: str | None


EXPIRY_OFF_WARNING = (
    "Your password no longer expires. A password that never changes stays useful to anyone "
    "who learned it; change it yourself now and then, and at once if it may have leaked."
)


class PasswordChangeIn(BaseModel):
    """The current password and the new one."""

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class PasswordChangedOut(BaseModel):
    """How many other sessions the password change ended."""

    ended_sessions: int


class ResetIn(BaseModel):
    """The login name whose password to reset."""

    login: str = Field(min_length=1, max_length=254)


class PasswordIn(BaseModel):
    """A single-use code from an invitation or reset e-mail, and the new password."""

    token: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class TokenIn(BaseModel):
    """A personal API token to create: a name, its permissions and when it expires."""

    name: str = Field(min_length=1, max_length=200)
    permissions: list[str] = Field(min_length=1, max_length=200)
    expires_at: dt.datetime


class TokenOut(BaseModel):
    """A personal API token (without its secret)."""

    token_id: str
    name: str
    permissions: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        """The response body for ``token``."""
        return cls(
            token_id=token.token_id,
            name=token.name,
            permissions=sorted(token.permissions),
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
            last_used_at=token.last_used_at,
        )


class TokenCreatedOut(TokenOut):
    """A new token with its secret: shown this once, send it as ``Authorization: Bearer``."""

    token: str


class SecondFactorRequiredOut(BaseModel):
    """The password was right; send a code with ``challenge`` to /api/auth/login/second-factor."""

    second_factor_required: bool = True
    challenge: str
    expires_at: dt.datetime


@router.post(
    "/login",
    dependencies=[public()],
    responses={202: {"model": SecondFactorRequiredOut, "description": "a code is needed"}},
)
def login(
    body: LoginIn, request: Request, response: Response
) -> LoginOut | SecondFactorRequiredOut:
    """Log in with login name and password: a new session in an HttpOnly cookie.

    A user with a second factor gets 202 and a challenge instead; the session follows the code.
    """
    kontor = kontor_of(request)
    outcome = kontor.authenticator.login(
        kontor.engine,
        kontor.clock,
        body.login,
        body.password,
        client_address=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )
    if isinstance(outcome, SecondFactorPending):
        response.status_code = 202
        return SecondFactorRequiredOut(challenge=outcome.challenge, expires_at=outcome.expires_at)
    return logged_in_response(request, response, outcome)


def logged_in_response(request: Request, response: Response, logged_in: LoggedIn) -> LoginOut:
    """Put the new session's cookies on ``response``; the login's answer."""
    token = set_session_cookies(response, kontor_of(request).settings, logged_in.secret)
    return LoginOut(
        user_id=logged_in.user.user_id,
        tenant_id=logged_in.user.tenant_id,
        session_id=logged_in.session.session_id,
        expires_at=logged_in.session.expires_at,
        csrf_token=token,
        second_factor_setup_required=logged_in.second_factor_setup_required,
    )


@router.post("/logout", status_code=204)
def logout(
    request: Request, response: Response, caller: Annotated[Principal, requires(SIGNED_IN)]
) -> None:
    """End the current session and remove its cookies."""
    kontor = kontor_of(request)
    if caller.session_id is not None and request.cookies.get(SESSION_COOKIE):
        with kontor.bus.unit_of_work() as uow:
            kontor.authenticator.end_session(uow, caller, caller.session_id)
            uow.commit()
    clear_session_cookies(response, kontor.settings)


@router.get("/me")
def me(request: Request, caller: Annotated[Principal, requires(SIGNED_IN)]) -> MeOut:
    """Who am I: user, tenant, groups, permissions and apps."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        user = Directory(uow.connection, caller.tenant_id).user(caller.user_id)
    return MeOut(
        user_id=user.user_id,
        tenant_id=user.tenant_id,
        login=user.login,
        display_name=user.display_name,
        groups=sorted(caller.groups),
        permissions=sorted(caller.permissions),
        apps=installed_apps(caller.permissions),
        session_id=caller.session_id,
        password_expires_at=expires_at(
            kontor.authenticator.expiry, user.password_changed_at, user.password_expires
        ),
    )


@router.put("/me/password-expiry")
def set_password_expiry(
    body: PasswordExpiryIn, request: Request, caller: Annotated[Principal, requires(SIGNED_IN)]
) -> PasswordExpiryOut:
    """Let my password expire with age (the default) or switch that off, with a warning."""
    ends = switch_password_expiry(kontor_of(request), caller, body.expires)
    return PasswordExpiryOut(expires_at=ends, warning=None if body.expires else EXPIRY_OFF_WARNING)


def switch_password_expiry(kontor: Kontor, caller: Principal, expires: bool) -> dt.datetime | None:
    """Let the caller's password expire with age or not; when it expires now (None: never)."""
    with kontor.bus.unit_of_work() as uow:
        user = Directory(uow.connection, caller.tenant_id).set_password_expiry(
            caller.user_id, expires
        )
        uow.commit()
    return expires_at(kontor.authenticator.expiry, user.password_changed_at, user.password_expires)


@router.post("/me/password")
def change_password(
    body: PasswordChangeIn,
    request: Request,
    background: BackgroundTasks,
    caller: Annotated[Principal, requires(SIGNED_IN)],
) -> PasswordChangedOut:
    """Change my password; my other sessions end and an e-mail confirms the change."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        ended = kontor.authenticator.change_password(
            uow, caller, body.current_password, body.new_password
        )
        user = Directory(uow.connection, caller.tenant_id).user(caller.user_id)
        uow.commit()
    send_after_response(background, request, kontor.recovery.password_changed(user))
    return PasswordChangedOut(ended_sessions=ended)


@router.post("/password-reset", status_code=202, dependencies=[public()])
def request_password_reset(body: ResetIn, request: Request, background: BackgroundTasks) -> None:
    """Send a reset code to the user's e-mail; the same answer whether the login exists or not."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        mail = kontor.recovery.request_reset(uow, body.login)
        uow.commit()
    if mail is not None:
        send_after_response(background, request, mail)


@router.post("/password", status_code=204, dependencies=[public()])
def set_password_with_code(body: PasswordIn, request: Request, background: BackgroundTasks) -> None:
    """Set a password with a code from an invitation or reset e-mail; ends every session."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        confirmation = kontor.recovery.set_password(uow, body.token, body.password)
        uow.commit()
    send_after_response(background, request, confirmation)


@router.get("/me/sessions")
def my_sessions(
    request: Request, caller: Annotated[Principal, requires(SIGNED_IN)]
) -> list[SessionOut]:
    """My live sessions, newest first."""
    with kontor_of(request).bus.unit_of_work() as uow:
        live = SessionStore(uow.connection).live(caller.tenant_id, caller.user_id, uow.clock.now())
    return [SessionOut.of(session, caller) for session in live]


@router.delete("/me/sessions/{session_id}", status_code=204)
def end_my_session(
    session_id: str, request: Request, caller: Annotated[Principal, requires(SIGNED_IN)]
) -> None:
    """End one of my sessions (another device, or this one)."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        kontor.authenticator.end_session(uow, caller, session_id)
        uow.commit()


@router.post("/me/tokens", status_code=201)
def create_token(
    body: TokenIn, request: Request, caller: Annotated[Principal, requires(SIGNED_IN)]
) -> TokenCreatedOut:
    """Create a personal API token with some of my permissions; its secret is shown once."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        token, secret = kontor.authenticator.create_token(
            uow, caller, body.name, body.permissions, body.expires_at
        )
        uow.commit()
    return TokenCreatedOut(**TokenOut.of(token).model_dump(), token=secret)


@router.get("/me/tokens")
def my_tokens(
    request: Request, caller: Annotated[Principal, requires(SIGNED_IN)]
) -> list[TokenOut]:
    """My API tokens, revoked and expired ones included, newest first."""
    with kontor_of(request).bus.unit_of_work() as uow:
        tokens = TokenStore(uow.connection).of_user(caller.tenant_id, caller.user_id)
    return [TokenOut.of(token) for token in tokens]


@router.delete("/me/tokens/{token_id}")
def revoke_token(
    token_id: str, request: Request, caller: Annotated[Principal, requires(SIGNED_IN)]
) -> TokenOut:
    """Revoke one of my API tokens at once."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        token = kontor.authenticator.revoke_token(uow, caller, token_id)
        uow.commit()
    return TokenOut.of(token)
