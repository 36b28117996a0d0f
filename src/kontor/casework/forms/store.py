"""Deployed forms of one tenant: every version of every key, on the caller's connection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, RowMapping, func, insert, select
from sqlalchemy.exc import IntegrityError

from kontor.casework.forms.tables import task_forms
from kontor.errors import Conflict, NotFound


class FormKind(StrEnum):
    """How a form is written."""

    JSON_SCHEMA = "json_schema"
    CAMUNDA = "camunda"  # form-js JSON as the Camunda Modeler writes it


class FormNotFound(NotFound):
    """No form of that key (and version) in the tenant."""

    code = "casework.form_not_found"


class FormVersionTaken(Conflict):
    """Someone deployed the same key at the same moment; deploy again."""

    code = "casework.form_version_taken"
    retry_at_once = True


@dataclass(frozen=True)
class TaskForm:
    """One deployed version of a form, with the JSON Schema its data is checked against."""

    form_key: str
    version: int
    kind: FormKind
    definition: Mapping[str, Any]
    data_schema: Mapping[str, Any]
    name: str | None
    deployed_at: dt.datetime
    deployed_by: str | None


class FormStore:
    """Reads and writes the forms of ``tenant_id``."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self.connection = connection
        self.tenant_id = tenant_id

    def next_version(self, form_key: str) -> int:
        """The version the next deployment of ``form_key`` gets."""
        latest = self.connection.execute(
            select(func.max(task_forms.c.version)).where(
                task_forms.c.tenant_id == self.tenant_id, task_forms.c.form_key == form_key
            )
        ).scalar_one()
        return int(latest or 0) + 1

    def add(self, form: TaskForm) -> None:
        """Insert a new version."""
        row = {**asdict(form), "kind": form.kind.value, "tenant_id": self.tenant_id}
        row["definition"], row["data_schema"] = dict(form.definition), dict(form.data_schema)
        try:
            with self.connection.begin_nested():
                self.connection.execute(insert(task_forms).values(**row))
        except IntegrityError:
            raise FormVersionTaken(
                f"form {form.form_key} version {form.version} was deployed meanwhile",
                form_key=form.form_key,
            ) from None

    def find(self, form_key: str, version: int | None = None) -> TaskForm | None:
        """The version (the latest if none) of ``form_key``, or None."""
        query = select(task_forms).where(
            task_forms.c.tenant_id == self.tenant_id, task_forms.c.form_key == form_key
        )
        if version is not None:
            query = query.where(task_forms.c.version == version)
        row = self.connection.execute(query.order_by(task_forms.c.version.desc()).limit(1)).first()
        return None if row is None else _form(row._mapping)

    def get(self, form_key: str, version: int | None = None) -> TaskForm:
        """Like ``find``; 404 when there is none."""
        form = self.find(form_key, version)
        if form is None:
            which = f"version {version} of form" if version is not None else "form"
            raise FormNotFound(f"{which} {form_key} not found", form_key=form_key)
        return form

    def latest(self) -> list[TaskForm]:
        """The latest version of every form, by key."""
        newest = (
            select(task_forms.c.form_key, func.max(task_forms.c.version).label("version"))
            .where(task_forms.c.tenant_id == self.tenant_id)
            .group_by(task_forms.c.form_key)
            .subquery()
        )
        rows = self.connection.execute(
            select(task_forms)
            .join(
                newest,
                (task_forms.c.form_key == newest.c.form_key)
                & (task_forms.c.version == newest.c.version),
            )
            .where(task_forms.c.tenant_id == self.tenant_id)
            .order_by(task_forms.c.form_key)
        )
        return [_form(row._mapping) for row in rows]


def _form(row: RowMapping) -> TaskForm:
    fields = {name: row[name] for name in TaskForm.__dataclass_fields__}
    return TaskForm(**{**fields, "kind": FormKind(row["kind"])})
