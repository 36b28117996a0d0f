"""Who is calling: the principal handed to every service-layer call."""

from __future__ import annotations

from dataclasses import dataclass, field

from kontor.errors import PermissionDenied

ALL_PERMISSIONS = "*"
DEVELOPMENT_TENANT = "dev"


@dataclass(frozen=True)
class Principal:
    """A user acting in one tenant, with the groups and permissions they hold there."""

    user_id: str
    tenant_id: str
    groups: frozenset[str] = field(default_factory=frozenset)
    permissions: frozenset[str] = field(default_factory=frozenset)

    def has(self, permission: str) -> bool:
        """Whether the principal holds ``permission`` (or every permission)."""
        return ALL_PERMISSIONS in self.permissions or permission in self.permissions

    def require(self, permission: str) -> None:
        """Raise ``PermissionDenied`` unless the principal holds ``permission``."""
        if not self.has(permission):
            raise PermissionDenied(f"permission {permission!r} is required", permission=permission)


def development_principal(tenant_id: str = DEVELOPMENT_TENANT) -> Principal:
    """The principal of development mode: one user with every permission in one tenant."""
    return Principal(
        user_id="developer",
        tenant_id=tenant_id,
        groups=frozenset({"administrators"}),
        permissions=frozenset({ALL_PERMISSIONS}),
    )
