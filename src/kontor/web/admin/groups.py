"""Gruppensteuerung: the tenant's groups and the operator's group profiles, with their apps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select

from kontor.db import reading
from kontor.platform import Directory, ProfileStore, installed_apps
from kontor.platform.permissions import MANAGE_GROUPS, MANAGE_TENANTS
from kontor.web.admin.common import literal_rows
from kontor.web.registry import APP_TITLES
from kontor.web.views import Column, Kind, TableView, ViewContext

KIND_WORDS = {"operator": "Betreiber", "insurer": "Versicherer", "broker": "Makler"}
GROUP_KEYS = ("id", "name", "apps", "count")


def app_names(permissions: Iterable[str]) -> str:
    """The German names of the apps ``permissions`` install, comma-separated."""
    return ", ".join(APP_TITLES.get(app, app) for app in installed_apps(permissions)) or "–"


def group_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The caller's tenant's groups with the apps they install."""
    del filters
    with reading(context.kontor.engine) as connection:
        found = Directory(connection, context.principal.tenant_id).groups()
    rows = [
        {
            "id": g.group_id,
            "name": g.name,
            "apps": app_names(g.permissions),
            "count": len(g.permissions),
        }
        for g in found
    ]
    return literal_rows(GROUP_KEYS, rows)


def profile_rows(context: ViewContext, filters: Mapping[str, str]) -> Select[Any]:
    """The group profiles as the operator set them, with the apps they install."""
    del filters
    with reading(context.kontor.engine) as connection:
        found = ProfileStore(connection).profiles()
    rows = [
        {
            "id": p.group_id,
            "name": p.name,
            "kind": p.kind.value,
            "apps": app_names(p.permissions),
            "count": len(p.permissions),
        }
        for p in found
    ]
    return literal_rows((*GROUP_KEYS, "kind"), rows)


GROUPS = TableView(
    name="gruppen",
    path="/admin/groups",
    title="Gruppen",
    permission=MANAGE_GROUPS,
    columns=(
        Column("name", "Gruppe"),
        Column("id", "Kennung", sortable=True),
        Column("apps", "Anwendungen"),
        Column("count", "Rechte", Kind.NUMBER),
    ),
    rows=group_rows,
    default_sort="id",
    detail_url=lambda row: f"/admin/groups/{row['id']}",
)
"""The seed's Gruppensteuerung: each group opens its permission editor."""

PROFILES = TableView(
    name="gruppenprofile",
    path="/admin/profiles",
    title="Gruppenprofile",
    permission=MANAGE_TENANTS,
    columns=(
        Column("name", "Gruppe"),
        Column("id", "Kennung", sortable=True),
        Column("kind", "Mandantenart", Kind.BADGE, labels=KIND_WORDS),
        Column("apps", "Anwendungen"),
        Column("count", "Rechte", Kind.NUMBER),
    ),
    rows=profile_rows,
    default_sort="id",
    detail_url=lambda row: f"/admin/profiles/{row['id']}",
)
"""The operator's group profiles: what the groups of tenants created from now on carry."""
