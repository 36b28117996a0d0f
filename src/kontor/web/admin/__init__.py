"""Administration in the browser: users, groups, API tokens, broker systems, group profiles, the
audit log, schedules and webhooks.

Tables are declared (the shell renders them with search, filters and the context menu); the
forms are JSON Schema declarations; only the overview and the permission editors are templates.
Every change goes through the platform's ``Administration`` service with its permission rules.
"""

from __future__ import annotations

from dataclasses import replace

from kontor.platform.permissions import MANAGE_BROKER_SYSTEMS, MANAGE_SUB_USERS
from kontor.web.admin.audit import AUDIT_LOG
from kontor.web.admin.audit import router as history_router
from kontor.web.admin.brokers import BROKER_SYSTEMS
from kontor.web.admin.common import ENTRIES, AdminEntry, entries_for
from kontor.web.admin.groups import GROUPS, PROFILES
from kontor.web.admin.integration import SCHEDULES, WEBHOOKS
from kontor.web.admin.pages import router
from kontor.web.admin.tokens import TOKENS
from kontor.web.admin.users import USER_VIEW, USERS
from kontor.web.registry import WebRegistry
from kontor.web.views import MenuEntry


def declare(registry: WebRegistry) -> None:
    """Declare the administration's tables and the user view."""
    invite = MenuEntry("Benutzer einladen", "/admin/users/new", MANAGE_SUB_USERS)
    create = MenuEntry("Maklersystem anlegen", "/admin/broker-systems/new", MANAGE_BROKER_SYSTEMS)
    registry.add_table(replace(USERS, create=invite))
    registry.add_table(replace(BROKER_SYSTEMS, create=create))
    for table in (GROUPS, TOKENS, PROFILES, AUDIT_LOG, SCHEDULES, WEBHOOKS):
        registry.add_table(table)
    registry.add_detail(USER_VIEW)


__all__ = ["ENTRIES", "AdminEntry", "declare", "entries_for", "history_router", "router"]
