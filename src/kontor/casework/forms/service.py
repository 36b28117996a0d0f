"""Deploying forms and checking a task's data against its form when it is saved or completed.

A task names its form by key (``form_key``); a process's reference is read as a key too:
``camunda-forms:deployment:invoice.form`` and ``form-id:invoice`` (a ``zeebe:formDefinition``'s
``formId``) both name ``invoice``. A key with no deployed form is not checked (the form lives
elsewhere). A task pins the version current when it is created (``form_version``) and is
checked against that one, even after newer versions are deployed; a task created before any
version was deployed is checked against the latest. A Camunda form's empty fields (form-js
writes ``null``, or ``""`` for text) count as not filled in: a required one is missing, an
optional one is not checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from kontor.casework.forms.camunda import schema_of_form
from kontor.casework.forms.store import FormKind, FormStore, TaskForm
from kontor.casework.forms.validation import FieldProblem, check_schema, problems
from kontor.errors import InvalidInput
from kontor.messaging import Change, UnitOfWork

if TYPE_CHECKING:  # the task system calls in here; a run-time import would go round in circles
    from kontor.casework.tasks.domain import Operation, Task

FORM = "task_form"
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$")
_PREFIXES = ("form-id:", "camunda-forms:deployment:", "camunda-forms:app:", "camunda-forms:")


class InvalidFormData(InvalidInput):
    """Data that does not fill the task's form; ``errors`` name each field and rule."""

    code = "casework.invalid_form_data"

    def __init__(self, form: TaskForm, found: list[FieldProblem]) -> None:
        first = found[0]
        super().__init__(
            f"{first.field}: {first.message} (form {form.form_key} version {form.version})",
            field=first.field,
            form_key=form.form_key,
            version=form.version,
            errors=[
                {"field": p.field, "rule": p.rule, "message": p.message, "detail": p.detail}
                for p in found
            ],
        )


def form_key_of(reference: str) -> str:
    """The key a task's form reference names (process prefixes and ``.form`` left off)."""
    for prefix in _PREFIXES:
        if reference.startswith(prefix):
            reference = reference.removeprefix(prefix).removesuffix(".form")
            break
    return reference


def deploy_form(
    uow: UnitOfWork,
    tenant_id: str,
    actor: str | None,
    kind: FormKind,
    definition: Mapping[str, Any],
    form_key: str | None = None,
) -> TaskForm:
    """Deploy the next version of a form; a Camunda form's key defaults to its ``id``."""
    if kind == FormKind.CAMUNDA:
        data_schema = schema_of_form(definition)
        check_schema(data_schema)  # a component's pattern that is no regular expression
    else:
        check_schema(definition)
        data_schema = dict(definition)
    key = form_key or (str(definition.get("id")) if definition.get("id") else None)
    if key is None or not _KEY.match(key):
        raise InvalidInput(f"form key {key!r}: 1-200 letters, digits and _ . : -", field="form_key")
    store = FormStore(uow.connection, tenant_id)
    name = definition.get("title") or definition.get("id")
    form = TaskForm(
        form_key=key, version=store.next_version(key), kind=kind, definition=dict(definition),
        data_schema=data_schema, name=str(name) if name else None,
        deployed_at=uow.clock.now(), deployed_by=actor,
    )  # fmt: skip
    store.add(form)
    after = {"form_key": key, "version": form.version, "kind": kind.value}
    uow.record(Change("casework.form.deploy", FORM, f"{key}:{form.version}", after=after),
               tenant_id, actor)  # fmt: skip
    return form


def current_form_version(connection: Connection, tenant_id: str, reference: str) -> int | None:
    """The latest deployed version of the form a task's ``form_key`` names (None: none yet)."""
    latest = FormStore(connection, tenant_id).next_version(form_key_of(reference)) - 1
    return latest or None


def check_form_data(connection: Connection, task: Task, operation: Operation) -> None:
    """Refuse data that does not fill the task's form: completing checks strictly (the draft
    with the new data), saving a draft or resolving loosely (required fields may stay empty)."""
    data = getattr(operation, "data", None)
    if task.form_key is None or data is None:
        return
    form = FormStore(connection, task.tenant_id).find(form_key_of(task.form_key), task.form_version)
    if form is None:
        return
    merged = {**task.draft, **data}
    if form.kind == FormKind.CAMUNDA:
        merged = _filled(merged)
    found = problems(form.data_schema, merged, "body.data", loose=operation.name != "complete")
    if found:
        raise InvalidFormData(form, found)


def _filled(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` without the fields form-js leaves empty (``None``, ``""``), groups included."""
    kept: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            kept[key] = _filled(value)
        elif isinstance(value, list):
            kept[key] = [_filled(item) if isinstance(item, Mapping) else item for item in value]
        elif value is not None and value != "":
            kept[key] = value
    return kept
