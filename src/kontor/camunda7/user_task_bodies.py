"""Request bodies and query criteria of Camunda's ``/task`` resource, camelCase as Camunda's."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, field_validator

from kontor.camunda7.queries import CamundaDate, CamundaQuery, sort_order
from kontor.camunda7.task_bodies import CamundaBody
from kontor.camunda7.user_task_rows import SORT_KEYS, UserTaskFilter

Text = Field(default=None, max_length=200)


class SortIn(CamundaBody):
    """One ordering of a task query: ``sortBy`` (Camunda's names) and ``asc`` or ``desc``."""

    sort_by: str
    sort_order: str = "asc"


class TaskQueryIn(CamundaQuery):
    """Camunda's task query (the body of ``POST /task``, the parameters of ``GET /task``)."""

    what: ClassVar[str] = "tasks"
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
    due_before: CamundaDate = None
    due_after: CamundaDate = None
    priority: int | None = None
    sort_by: str | None = None
    sort_order: str | None = None
    sorting: list[SortIn] | None = Field(default=None, max_length=10)

    @field_validator("candidate_groups", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        return [part for part in value.split(",") if part] if isinstance(value, str) else value

    def criteria(self, user_groups: frozenset[str] = frozenset()) -> UserTaskFilter:
        """The query as Kontor's filter; ``user_groups`` are the candidate user's groups."""
        groups = [g for g in (self.candidate_group, *(self.candidate_groups or [])) if g]
        return UserTaskFilter(
            task_id=self.task_id, process_instance_id=self.process_instance_id,
            process_instance_business_key=self.process_instance_business_key,
            process_definition_id=self.process_definition_id,
            process_definition_key=self.process_definition_key,
            assignee=self.assignee, owner=self.owner, unassigned=self.unassigned,
            assigned=self.assigned, candidate_user=self.candidate_user,
            candidate_user_groups=user_groups,
            candidate_groups=tuple(groups), task_definition_key=self.task_definition_key,
            name=self.name, name_like=self.name_like, due_before=self.due_before,
            due_after=self.due_after, priority=self.priority, sorting=self._order(),
        )  # fmt: skip

    def _order(self) -> tuple[tuple[str, bool], ...]:
        orders = sort_order(self.sort_by, self.sort_order, SORT_KEYS, "tasks")
        for order in self.sorting or []:
            orders += sort_order(order.sort_by, order.sort_order, SORT_KEYS, "tasks")
        return orders


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
