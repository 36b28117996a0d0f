"""Who is calling: the principal handed to every service-layer call (and to the audit log)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kontor.errors import PermissionDenied


@dataclass(frozen=True)
class Principal:
    """A user acting in one tenant, with the groups and permissions they hold there.

    ``session_id`` names the login session the request came with (None for an API token or
    the command line); an audit writer records ``user_id`` and ``tenant_id`` as the actor.
    """

    user_id: str
    tenant_id: str
    groups: frozenset[str] = field(default_factory=frozenset)
    permissions: frozenset[str] = field(default_factory=frozenset)
    session_id: str | None = None

    def has(self, permission: str) -> bool:
        """Whether the principal holds ``permission``."""
        return permission in self.permissions

    def require(self, permission: str) -> None:
        """Raise ``PermissionDenied`` unless the principal holds ``permission``."""
        if not self.has(permission):
            raise PermissionDenied(f"permission {permission!r} is required", permission=permission)
