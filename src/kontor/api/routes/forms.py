"""Task forms: deploy a JSON Schema or a Camunda form under a key, list them, read a version."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.casework.forms import FormKind, FormStore, TaskForm, deploy_form
from kontor.platform import Principal

router = APIRouter(prefix="/api/forms", tags=["forms"], route_class=StrictJsonRoute)
FormKey = Annotated[str, Path(max_length=200)]


class FormIn(BaseModel):
    """A form to deploy: a JSON Schema, or a Camunda form (its ``id`` is the default key)."""

    kind: FormKind
    definition: dict[str, Any]
    form_key: str | None = Field(default=None, max_length=200)


class FormSummary(BaseModel):
    """A deployed version of a form."""

    form_key: str
    version: int
    kind: FormKind
    name: str | None
    deployed_at: dt.datetime
    deployed_by: str | None

    @classmethod
    def of(cls, form: TaskForm) -> FormSummary:
        """The summary of ``form``."""
        return cls(
            form_key=form.form_key, version=form.version, kind=form.kind, name=form.name,
            deployed_at=form.deployed_at, deployed_by=form.deployed_by,
        )  # fmt: skip


class FormOut(FormSummary):
    """A version with its definition and the JSON Schema its data is checked against."""

    definition: dict[str, Any]
    data_schema: dict[str, Any]

    @classmethod
    def full(cls, form: TaskForm) -> FormOut:
        """The whole of ``form``."""
        summary = FormSummary.of(form).model_dump()
        return cls(**summary, definition=dict(form.definition), data_schema=dict(form.data_schema))


@router.post("", status_code=201)
def deploy(
    body: FormIn, request: Request, caller: Annotated[Principal, requires("tasks:manage")]
) -> FormOut:
    """Deploy the next version of a form; tasks naming its key are checked against it."""
    with kontor_of(request).bus.unit_of_work() as uow:
        form = deploy_form(
            uow, caller.tenant_id, caller.user_id, body.kind, body.definition, body.form_key
        )
        uow.commit()
    return FormOut.full(form)


@router.get("")
def list_forms(
    request: Request, caller: Annotated[Principal, requires("tasks:read")]
) -> list[FormSummary]:
    """The latest version of every form of the tenant."""
    with kontor_of(request).bus.reading() as uow:
        forms = FormStore(uow.connection, caller.tenant_id).latest()
    return [FormSummary.of(form) for form in forms]


@router.get("/{form_key}")
def show_form(
    form_key: FormKey, request: Request, caller: Annotated[Principal, requires("tasks:read")]
) -> FormOut:
    """The latest version of a form."""
    with kontor_of(request).bus.reading() as uow:
        form = FormStore(uow.connection, caller.tenant_id).get(form_key)
    return FormOut.full(form)


@router.get("/{form_key}/versions/{version}")
def show_form_version(
    form_key: FormKey,
    version: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    caller: Annotated[Principal, requires("tasks:read")],
) -> FormOut:
    """One version of a form."""
    with kontor_of(request).bus.reading() as uow:
        form = FormStore(uow.connection, caller.tenant_id).get(form_key, version)
    return FormOut.full(form)
