"""Users and groups of the caller's tenant: create, list, deactivate, grant, end sessions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Request
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.routes.auth import SessionOut, send_after_response
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.messaging import UnitOfWork
from kontor.platform import Directory, Group, Principal, SessionStore, User, installed_apps

router = APIRouter(prefix="/api/platform", tags=["platform"], route_class=StrictJsonRoute)

Manager = Annotated[Principal, requires("platform:sub_users")]


class UserIn(BaseModel):
    """A user to create: without a password, the user gets an invitation e-mail to set one."""

    login: str = Field(min_length=3, max_length=254)
    display_name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    groups: list[str] = Field(min_length=1, max_length=20)
    password: str | None = Field(default=None, min_length=1, max_length=1024)


class GrantOut(BaseModel):
    """A permission granted to or withdrawn from the user beyond the groups."""

    permission: str
    granted: bool


class UserOut(BaseModel):
    """A user, with groups and individual grants."""

    user_id: str
    login: str
    display_name: str
    email: str
    active: bool
    created_at: dt.datetime
    created_by: str | None
    has_password: bool
    groups: list[str]
    grants: list[GrantOut]

    @classmethod
    def of(cls, user: User, directory: Directory) -> UserOut:
        """The response body for ``user``."""
        return cls(
            user_id=user.user_id,
            login=user.login,
            display_name=user.display_name,
            email=user.email,
            active=user.active,
            created_at=user.created_at,
            created_by=user.created_by,
            has_password=user.has_password,
            groups=sorted(directory.group_ids_of(user.user_id)),
            grants=[GrantOut(permission=g.permission, granted=g.granted) for g in
                    directory.grants_of(user.user_id)],
        )  # fmt: skip


class GrantIn(BaseModel):
    """Grant (true) or withdraw (false) the permission for this user."""

    granted: bool


class GroupOut(BaseModel):
    """A group of the tenant with its permissions and the apps they open."""

    group_id: str
    name: str
    permissions: list[str]
    apps: list[str]
    second_factor_required: bool

    @classmethod
    def of(cls, group: Group) -> GroupOut:
        """The response body for ``group``."""
        permissions = sorted(group.permissions)
        return cls(
            group_id=group.group_id,
            name=group.name,
            permissions=permissions,
            apps=installed_apps(permissions),
            second_factor_required=group.second_factor_required,
        )


class GroupPermissionsIn(BaseModel):
    """The complete new set of a group's permissions."""

    permissions: list[str] = Field(max_length=500)


def _out(uow: UnitOfWork, caller: Principal, user: User) -> UserOut:
    return UserOut.of(user, Directory(uow.connection, caller.tenant_id))


@router.get("/users")
def list_users(request: Request, caller: Manager) -> list[UserOut]:
    """The users I manage (administrators: all of the tenant; brokers: those they created)."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        return [_out(uow, caller, user) for user in kontor.administration.users(uow, caller)]


@router.post("/users", status_code=201)
def create_user(
    body: UserIn, request: Request, background: BackgroundTasks, caller: Manager
) -> UserOut:
    """Create a user of my tenant in the given groups (invited by e-mail without a password)."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        user = kontor.administration.create_user(
            uow,
            caller,
            login=body.login,
            display_name=body.display_name,
            email=body.email,
            group_ids=body.groups,
            password=body.password,
        )
        invitation = None if body.password else kontor.recovery.invite(uow, user)
        uow.commit()
        out = _out(uow, caller, user)
    if invitation is not None:
        send_after_response(background, request, invitation)
    return out


@router.post("/users/{user_id}/invitation", status_code=202)
def invite_again(
    user_id: str, request: Request, background: BackgroundTasks, caller: Manager
) -> None:
    """Send a user a new invitation code (the older one stops working)."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        invitation = kontor.recovery.invite(uow, kontor.administration.user(uow, caller, user_id))
        uow.commit()
    send_after_response(background, request, invitation)


@router.get("/users/{user_id}")
def show_user(user_id: str, request: Request, caller: Manager) -> UserOut:
    """One user I manage."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        return _out(uow, caller, kontor.administration.user(uow, caller, user_id))


@router.post("/users/{user_id}/deactivate")
def deactivate_user(user_id: str, request: Request, caller: Manager) -> UserOut:
    """Deactivate a user: their sessions end and their API tokens stop working at once."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        user = kontor.administration.deactivate(uow, caller, user_id)
        uow.commit()
        return _out(uow, caller, user)


@router.post("/users/{user_id}/reactivate")
def reactivate_user(user_id: str, request: Request, caller: Manager) -> UserOut:
    """Unlock a deactivated user: they may log in again; ended sessions and tokens stay ended."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        user = kontor.administration.reactivate(uow, caller, user_id)
        uow.commit()
        return _out(uow, caller, user)


@router.put("/users/{user_id}/grants/{permission}")
def set_grant(
    user_id: str, permission: str, body: GrantIn, request: Request, caller: Manager
) -> UserOut:
    """Grant a permission to one user beyond their groups, or withdraw it from them."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        kontor.administration.set_grant(uow, caller, user_id, permission, body.granted)
        uow.commit()
        return _out(uow, caller, kontor.administration.user(uow, caller, user_id))


@router.delete("/users/{user_id}/grants/{permission}")
def remove_grant(user_id: str, permission: str, request: Request, caller: Manager) -> UserOut:
    """Let the user's groups alone decide ``permission`` again."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        kontor.administration.set_grant(uow, caller, user_id, permission, None)
        uow.commit()
        return _out(uow, caller, kontor.administration.user(uow, caller, user_id))


@router.get("/users/{user_id}/sessions")
def user_sessions(user_id: str, request: Request, caller: Manager) -> list[SessionOut]:
    """The live sessions of a user I manage."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        kontor.administration.user(uow, caller, user_id)
        live = SessionStore(uow.connection).live(caller.tenant_id, user_id, uow.clock.now())
    return [SessionOut.of(session) for session in live]


@router.delete("/users/{user_id}/sessions/{session_id}", status_code=204)
def end_user_session(user_id: str, session_id: str, request: Request, caller: Manager) -> None:
    """End one session of a user I manage."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        kontor.administration.end_session(uow, caller, user_id, session_id)
        uow.commit()


@router.get("/groups")
def list_groups(request: Request, caller: Manager) -> list[GroupOut]:
    """The groups of my tenant."""
    with kontor_of(request).bus.unit_of_work() as uow:
        return [GroupOut.of(g) for g in Directory(uow.connection, caller.tenant_id).groups()]


@router.put("/groups/{group_id}/permissions")
def set_group_permissions(
    group_id: str,
    body: GroupPermissionsIn,
    request: Request,
    caller: Annotated[Principal, requires("platform:groups")],
) -> GroupOut:
    """Replace a group's permissions; its members hold the new ones from their next request."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        group = kontor.administration.set_group_permissions(uow, caller, group_id, body.permissions)
        uow.commit()
    return GroupOut.of(group)
