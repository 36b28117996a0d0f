"""Camunda Forms in the task view: the deployed form-js JSON, the data the page sends back, and
the server's German messages per field (form-js draws the form in the browser)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from sqlalchemy import Connection

from kontor.casework.forms import FormKind, FormStore, InvalidFormData, TaskForm, form_key_of
from kontor.casework.tasks import Task
from kontor.db import json_codec
from kontor.errors import InvalidInput
from kontor.json_input import loads_bounded

DATA_FIELD = "data"
"""The page's form field that carries the form-js data as JSON."""
_PREFIX = "body.data."


def camunda_form_of(connection: Connection, task: Task) -> TaskForm | None:
    """The deployed Camunda Form the task names (the version it pinned), or None."""
    if not task.form_key:
        return None
    store = FormStore(connection, task.tenant_id)
    form = store.find(form_key_of(task.form_key), task.form_version)
    return form if form is not None and form.kind == FormKind.CAMUNDA else None


def submitted_data(fields: Mapping[str, str]) -> dict[str, Any]:
    """The form-js data the page sent (numbers exact as Decimal); 422 for no JSON object."""
    try:
        data = loads_bounded(fields.get(DATA_FIELD, ""), parse_float=Decimal)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise InvalidInput("Die Formulardaten sind kein JSON-Objekt.", field=DATA_FIELD)
    return data


def initial_data(task: Task, submitted: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the form shows: the task's variables, its draft over them, then what was sent."""
    return {**task.variables, **task.draft, **(submitted or {})}


def field_messages(error: InvalidFormData) -> dict[str, str]:
    """The German message for each field by its data path (``insured.name``, ``items.0.x``)."""
    messages: dict[str, str] = {}
    for problem in error.details.get("errors", []):
        path = str(problem["field"]).removeprefix(_PREFIX)
        if path != "body.data":
            messages.setdefault(path, str(problem["message"]))
    return messages


def script_json(value: Any) -> Markup:
    """``value`` as JSON safe inside a ``<script type="application/json">`` (exact numbers)."""
    return htmlsafe_json_dumps(value, dumps=lambda v, **_: json_codec.dumps(v))
