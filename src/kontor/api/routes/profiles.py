"""The operator's group profiles: what the groups of tenants created from now on carry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.platform import GroupProfile, Principal, ProfileStore, installed_apps
from kontor.platform.permissions import MANAGE_TENANTS

router = APIRouter(prefix="/api/platform", tags=["platform"], route_class=StrictJsonRoute)

Operator = Annotated[Principal, requires(MANAGE_TENANTS)]


class ProfileOut(BaseModel):
    """A group profile: the group every tenant of its kind starts with, and its permissions."""

    group_id: str
    name: str
    kind: str
    permissions: list[str]
    apps: list[str]

    @classmethod
    def of(cls, profile: GroupProfile) -> ProfileOut:
        """The response body for ``profile``."""
        permissions = sorted(profile.permissions)
        return cls(
            group_id=profile.group_id,
            name=profile.name,
            kind=profile.kind.value,
            permissions=permissions,
            apps=installed_apps(permissions),
        )


class ProfilePermissionsIn(BaseModel):
    """The complete new set of permissions the profile carries."""

    permissions: list[str] = Field(max_length=500)


@router.get("/profiles")
def list_profiles(request: Request, caller: Operator) -> list[ProfileOut]:
    """The group profiles, with my changes applied."""
    del caller
    with kontor_of(request).bus.unit_of_work() as uow:
        return [ProfileOut.of(profile) for profile in ProfileStore(uow.connection).profiles()]


@router.put("/profiles/{group_id}/permissions")
def set_profile_permissions(
    group_id: str, body: ProfilePermissionsIn, request: Request, caller: Operator
) -> ProfileOut:
    """Change what a profile carries for tenants created from now on (existing ones keep theirs)."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        profile = kontor.administration.set_profile_permissions(
            uow, caller, group_id, body.permissions
        )
        uow.commit()
    return ProfileOut.of(profile)
