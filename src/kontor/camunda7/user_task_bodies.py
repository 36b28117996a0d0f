"""Request bodies and query criteria of Camunda's ``/task`` resource, camelCase as Camunda's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from kontor.camunda7.errors import InvalidRequest, NotSupported
from kontor.camunda7.task_bodies import CamundaBody
from kontor.camunda7.user_task_rows import SORT_KEYS, UserTaskFilter
from kontor.camunda7.variables import parse_camunda_date
from kontor.platform import Principal

Text = Field(default=None, max_length=200)


class SortIn(CamundaBody):
    """One ordering of a task query: ``sortBy`` (Camunda's names) and ``asc`` or ``desc``."""

    sort_by: str
    sort_order: str = "asc"


class TaskQueryIn(CamundaBody):
    """Camunda's task query (the body of ``POST /task``, the parameters of ``GET /task``).

    Criteria Kontor does not apply are refused by name: a client would otherwise get tasks
    it did not ask for.
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")

    task_id: str | None = Text
    process_instance_id: str | None = Text
    process_instance_business_key: str | None = Text
    process_definition_id: str | None = Text
    process_definition_key: str | None = Text
    assignee: str | None = Text
    owner: str | None = Text
    unassigned: bool = False
    assigned: bool = False
    candidate_user: str | None = Text
    candidate_group: str | None = Text
    candidate_groups: list[str] | None = Field(default=None, max_length=100)
    task_definition_key: str | None = Text
    name: str | None = Text
    name_like: str | None = Text
    due_before: dt.datetime | None = None
    due_after: dt.datetime | None = None
    priority: int | None = None
    sort_by: str | None = None
    sort_order: str | None = None
    sorting: list[SortIn] | None = Field(default=None, max_length=10)

    @field_validator("due_before", "due_after", mode="before")
    @classmethod
    def _camunda_date(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return parse_camunda_date(value)
            except ValueError as error:
                raise InvalidRequest(f"Cannot set query parameter: {error}") from None
        return value

    @field_validator("candidate_groups", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        return [part for part in value.split(",") if part] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _refuse_unsupported(self) -> TaskQueryIn:
        unread = sorted(name for name, value in (self.model_extra or {}).items()
                        if value not in (None, [], {}, False, "false"))  # fmt: skip
        if unread:
            raise NotSupported(f"Kontor does not query tasks by {', '.join(unread)}")
        return self

    def criteria(self, caller: Principal) -> UserTaskFilter:
        """The query as Kontor's filter; the caller's groups count for themselves as candidate."""
        groups = [g for g in (self.candidate_group, *(self.candidate_groups or [])) if g]
        own = self.candidate_user is not None and self.candidate_user == caller.user_id
        return UserTaskFilter(
            task_id=self.task_id, process_instance_id=self.process_instance_id,
            process_instance_business_key=self.process_instance_business_key,
            process_definition_id=self.process_definition_id,
            process_definition_key=self.process_definition_key,
            assignee=self.assignee, owner=self.owner, unassigned=self.unassigned,
            assigned=self.assigned, candidate_user=self.candidate_user,
            candidate_user_groups=frozenset(caller.groups) if own else frozenset(),
            candidate_groups=tuple(groups), task_definition_key=self.task_definition_key,
            name=self.name, name_like=self.name_like, due_before=self.due_before,
            due_after=self.due_after, priority=self.priority, sorting=self._order(),
        )  # fmt: skip

    def _order(self) -> tuple[tuple[str, bool], ...]:
        orders = list(self.sorting or [])
        if self.sort_by is not None or self.sort_order is not None:
            if self.sort_by is None or self.sort_order is None:
                raise InvalidRequest("Only a single sorting parameter specified. sortBy and "
                                     "sortOrder required")  # fmt: skip
            orders.append(SortIn(sort_by=self.sort_by, sort_order=self.sort_order))
        for order in orders:
            if order.sort_by not in SORT_KEYS:
                raise NotSupported(f"Kontor does not sort tasks by {order.sort_by}; it sorts by "
                                   f"{', '.join(SORT_KEYS)}")  # fmt: skip
            if order.sort_order not in ("asc", "desc"):
                raise InvalidRequest(f"Cannot set query parameter 'sortOrder' to value "
                                     f"'{order.sort_order}'")  # fmt: skip
        return tuple((order.sort_by, order.sort_order == "desc") for order in orders)


class UserIdIn(CamundaBody):
    """The user a task goes to (claim, assignee, delegate); null: nobody."""

    user_id: str | None = Field(default=None, max_length=64)


class TaskVariablesIn(CamundaBody):
    """Typed variables sent with a task's completion or resolution."""

    variables: dict[str, Any] | None = None
    with_variables_in_return: bool = False


class CommentIn(CamundaBody):
    """A comment's text."""

    message: str = Field(min_length=1, max_length=4000)
