"""Saved filters for every table: the caller's own and those shared to their groups."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.filter_tables import SAVED_FILTERS, filter_user
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.platform import SIGNED_IN, Principal
from kontor.platform.saved_filters import FieldKind, FilterDraft, SavedFilter, SavedFilterStore

router = APIRouter(prefix="/api/saved-filters", tags=["saved filters"], route_class=StrictJsonRoute)
FilterId = Annotated[str, Path(max_length=36)]


class FilterIn(BaseModel):
    """A new filter: its table, name, condition tree, and the group to share it with."""

    table_id: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    definition: dict[str, Any]
    shared_group: str | None = Field(default=None, max_length=64)
    sort: str | None = Field(default=None, max_length=100)


class FilterChange(BaseModel):
    """The fields to change; ``shared_group: null`` makes the filter private again."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    definition: dict[str, Any] | None = None
    shared_group: str | None = Field(default=None, max_length=64)
    sort: str | None = Field(default=None, max_length=100)


class FilterOut(BaseModel):
    """A saved filter; ``mine`` is false for one shared to the caller by someone else."""

    filter_id: str
    table_id: str
    name: str
    owner: str
    shared_group: str | None
    definition: dict[str, Any]
    sort: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    mine: bool

    @classmethod
    def of(cls, saved: SavedFilter, caller: Principal) -> FilterOut:
        """The response body for ``saved`` as ``caller`` sees it."""
        fields = {name: getattr(saved, name) for name in SavedFilter.__dataclass_fields__}
        fields["definition"] = dict(saved.definition)
        return cls(**fields, mine=saved.owner == caller.user_id)


class FieldOut(BaseModel):
    """A field a table's filters may name."""

    name: str
    kind: FieldKind
    label: str


class TableFieldsOut(BaseModel):
    """What a table offers to filter on: fixed fields and open prefixes (``case.data.``)."""

    table_id: str
    fields: list[FieldOut]
    open_prefixes: list[str]


@router.get("")
def list_filters(
    request: Request,
    caller: Annotated[Principal, requires(SIGNED_IN)],
    table_id: str | None = None,
) -> list[FilterOut]:
    """The caller's filters and those shared to their groups (of one table, if given)."""
    with kontor_of(request).bus.reading() as uow:
        found = SavedFilterStore(uow.connection, caller.tenant_id).of_viewer(
            caller.user_id, caller.groups, table_id
        )
    return [FilterOut.of(saved, caller) for saved in found]


@router.get("/tables/{table_id}")
def table_fields(
    table_id: Annotated[str, Path(max_length=100)],
    caller: Annotated[Principal, requires(SIGNED_IN)],
) -> TableFieldsOut:
    """The fields a table's filters may name, with their kinds and German labels."""
    fields = SAVED_FILTERS.fields(table_id)
    return TableFieldsOut(
        table_id=table_id,
        fields=[FieldOut(name=f.name, kind=f.kind, label=f.label) for f in fields.fields],
        open_prefixes=list(fields.open_prefixes),
    )


@router.post("", status_code=201)
def create_filter(
    body: FilterIn, request: Request, caller: Annotated[Principal, requires(SIGNED_IN)]
) -> FilterOut:
    """Save a filter; private unless ``shared_group`` (one of the caller's groups)."""
    draft = FilterDraft(body.name, body.definition, body.shared_group, body.sort)
    with kontor_of(request).bus.unit_of_work() as uow:
        saved = SAVED_FILTERS.create(uow, filter_user(caller), body.table_id, draft)
        uow.commit()
    return FilterOut.of(saved, caller)


@router.get("/{filter_id}")
def show_filter(
    filter_id: FilterId, request: Request, caller: Annotated[Principal, requires(SIGNED_IN)]
) -> FilterOut:
    """A filter the caller owns or sees through a group."""
    with kontor_of(request).bus.reading() as uow:
        saved = SavedFilterStore(uow.connection, caller.tenant_id).visible(
            filter_id, caller.user_id, caller.groups
        )
    return FilterOut.of(saved, caller)


@router.patch("/{filter_id}")
def change_filter(
    filter_id: FilterId,
    body: FilterChange,
    request: Request,
    caller: Annotated[Principal, requires(SIGNED_IN)],
) -> FilterOut:
    """Change the caller's own filter (name, conditions, sharing, sort)."""
    unshare = "shared_group" in body.model_fields_set and body.shared_group is None
    draft = FilterDraft(body.name, body.definition, body.shared_group, body.sort, unshare)
    with kontor_of(request).bus.unit_of_work() as uow:
        saved = SAVED_FILTERS.change(uow, filter_user(caller), filter_id, draft)
        uow.commit()
    return FilterOut.of(saved, caller)


@router.delete("/{filter_id}", status_code=204)
def delete_filter(
    filter_id: FilterId, request: Request, caller: Annotated[Principal, requires(SIGNED_IN)]
) -> Response:
    """Delete the caller's own filter."""
    with kontor_of(request).bus.unit_of_work() as uow:
        SAVED_FILTERS.delete(uow, filter_user(caller), filter_id)
        uow.commit()
    return Response(status_code=204)
