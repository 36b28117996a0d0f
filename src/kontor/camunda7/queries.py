"""Camunda's list queries: parameters (or bodies) whose unread criteria are refused by name."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, TypeVar

from fastapi import Query, Request
from pydantic import BeforeValidator, ConfigDict, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from kontor.api.params import STORED_INT_MAX
from kontor.camunda7.errors import InvalidRequest, NotSupported
from kontor.camunda7.task_bodies import CamundaBody
from kontor.camunda7.variables import parse_camunda_date

PAGING = frozenset({"firstResult", "maxResults"})
FirstResult = Annotated[int, Query(alias="firstResult", ge=0, le=STORED_INT_MAX)]
MaxResults = Annotated[int, Query(alias="maxResults", ge=0, le=1000)]


def _date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_camunda_date(value)
        except ValueError as error:
            raise InvalidRequest(f"Cannot set query parameter: {error}") from None
    return value


CamundaDate = Annotated[dt.datetime | None, BeforeValidator(_date)]
"""A date criterion in Camunda's format (``2026-06-30T21:44:30.000+0200``)."""


class CamundaQuery(CamundaBody):
    """A query's criteria; one Kontor does not apply is refused, naming it (a client would
    otherwise get results it did not ask for)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")
    what: ClassVar[str] = "results"

    @model_validator(mode="after")
    def _refuse_unread(self) -> CamundaQuery:
        unread = sorted(name for name, value in (self.model_extra or {}).items()
                        if value not in (None, [], {}, False, "false"))  # fmt: skip
        if unread:
            raise NotSupported(f"Kontor does not query {self.what} by {', '.join(unread)}")
        return self


def sort_order(
    sort_by: str | None, order: str | None, known: dict[str, Any], what: str
) -> tuple[tuple[str, bool], ...]:
    """Camunda's ``sortBy``/``sortOrder`` pair as (key, descending); both or neither."""
    if sort_by is None and order is None:
        return ()
    if sort_by is None or order is None:
        raise InvalidRequest("Only a single sorting parameter specified. sortBy and sortOrder "
                             "required")  # fmt: skip
    if sort_by not in known:
        raise NotSupported(f"Kontor does not sort {what} by {sort_by}; it sorts by "
                           f"{', '.join(known)}")  # fmt: skip
    if order not in ("asc", "desc"):
        raise InvalidRequest(f"Cannot set query parameter 'sortOrder' to value '{order}'")
    return ((sort_by, order == "desc"),)


Q = TypeVar("Q", bound=CamundaQuery)


def query_of(request: Request, kind: type[Q]) -> Q:
    """The request's query parameters (paging aside) as a ``kind`` query; 400 naming a bad one."""
    params = {k: v for k, v in request.query_params.items() if k not in PAGING}
    try:
        return kind.model_validate(params)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise InvalidRequest(f"Cannot set query parameter '{where}': {problem['msg']}") from None
