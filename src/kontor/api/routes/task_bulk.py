"""One operation on many tasks: a result per task, all in one transaction.

The selection is either task ids or every task matching a filter (a saved one, an inline
condition tree and a view); at most ``KONTOR_TASK_BULK_MAX`` tasks per request. The tasks are
worked on together in one transaction (``WorkOnTasks``); a task that refuses is left as it was
and reported in its place.
"""

from __future__ import annotations

import dataclasses
from dataclasses import MISSING
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.filter_tables import SAVED_FILTERS
from kontor.api.routes.task_filters import saved_tree
from kontor.api.routes.tasks import OperationIn, viewer_of
from kontor.api.security import requires
from kontor.api.wiring import kontor_of
from kontor.casework.tasks import (
    OPERATIONS,
    Sort,
    TaskFilter,
    TaskQueries,
    TaskState,
    View,
    WorkOnTasks,
)
from kontor.casework.tasks.filtering import TASK_FILTER_FIELDS
from kontor.errors import InvalidInput, KontorError
from kontor.platform import Principal
from kontor.platform.saved_filters import Group, Node

router = APIRouter(prefix="/api/tasks", tags=["tasks"], route_class=StrictJsonRoute)


class BulkTooLarge(InvalidInput):
    """The selection holds more tasks than one bulk action may work on."""

    code = "casework.bulk_too_large"


class Selection(BaseModel):
    """Which tasks: ``task_ids``, or all that match ``filter_id`` / ``filter`` in ``view``."""

    task_ids: list[Annotated[str, Field(max_length=36)]] | None = Field(default=None, min_length=1)
    filter_id: str | None = Field(default=None, max_length=36)
    filter: dict[str, Any] | None = None
    view: View = View.ALL
    state: list[TaskState] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_kind(self) -> Selection:
        by_filter = self.filter_id is not None or self.filter is not None
        if (self.task_ids is None) == (not by_filter):
            raise ValueError("give task_ids or a filter (filter_id, filter), not both")
        return self


class BulkArguments(OperationIn):
    """The operation's arguments, the same for every task (unknown fields are 422)."""

    model_config = ConfigDict(extra="forbid")


class BulkIn(BaseModel):
    """The operation, its arguments (the same for every task) and the selection."""

    operation: str
    arguments: BulkArguments = Field(default_factory=BulkArguments)
    selection: Selection


class ItemProblem(BaseModel):
    """Why the operation failed on one task."""

    status: int
    code: str
    detail: str
    field: str | None = None


class ItemResult(BaseModel):
    """The outcome on one task: its state after it, or the problem."""

    task_id: str
    ok: bool
    state: TaskState | None = None
    problem: ItemProblem | None = None


class BulkOut(BaseModel):
    """A result per selected task, in the order of the selection, and the tallies."""

    items: list[ItemResult]
    succeeded: int
    failed: int


@router.post("/bulk")
def bulk_operation(
    body: BulkIn, request: Request, caller: Annotated[Principal, requires("tasks:work")]
) -> BulkOut:
    """Do one operation (claim, assign, delegate, forward, escalate, complete, ...) on each
    selected task; a task that refuses it does not stop the others."""
    arguments = body.arguments.model_dump(exclude_none=True)
    _check(body.operation, arguments)
    kontor = kontor_of(request)
    task_ids = _selected(request, caller, body.selection, kontor.settings.task_bulk_max)
    if not task_ids:  # a filter that matches nothing
        return BulkOut(items=[], succeeded=0, failed=0)
    command = WorkOnTasks(
        tenant_id=caller.tenant_id, actor=caller.user_id, task_ids=task_ids,
        operation=body.operation, arguments=arguments,
        actor_groups=sorted(caller.groups), as_manager=caller.has("tasks:manage"),
    )  # fmt: skip
    results = []
    for task_id, outcome in zip(task_ids, kontor.bus.handle(command), strict=True):
        if isinstance(outcome, KontorError):
            field = outcome.details.get("field")
            problem = ItemProblem(status=outcome.status, code=outcome.code, detail=outcome.message,
                                  field=str(field) if field is not None else None)  # fmt: skip
            results.append(ItemResult(task_id=task_id, ok=False, problem=problem))
        else:
            results.append(ItemResult(task_id=task_id, ok=True, state=outcome.state))
    succeeded = sum(1 for r in results if r.ok)
    return BulkOut(items=results, succeeded=succeeded, failed=len(results) - succeeded)


def _check(operation: str, arguments: dict[str, Any]) -> None:
    """Refuse an operation or arguments no task could take, before any task changes."""
    kind = OPERATIONS.get(operation)
    if kind is None:
        known = ", ".join(OPERATIONS)
        raise InvalidInput(
            f"unknown task operation {operation!r}; known: {known}", field="operation"
        )
    fields = {f.name: f for f in dataclasses.fields(kind)}
    unknown = sorted(set(arguments) - set(fields))
    if unknown:
        raise InvalidInput(
            f"{operation} takes no {', '.join(unknown)}", field=f"arguments.{unknown[0]}"
        )
    needed = [n for n, f in fields.items() if f.default is MISSING and f.default_factory is MISSING]
    missing = [n for n in needed if arguments.get(n) is None]
    if missing:
        raise InvalidInput(
            f"{operation} needs {', '.join(missing)}", field=f"arguments.{missing[0]}"
        )


def _selected(request: Request, caller: Principal, selection: Selection, cap: int) -> list[str]:
    if selection.task_ids is not None:
        task_ids = list(dict.fromkeys(selection.task_ids))
        if len(task_ids) > cap:
            raise BulkTooLarge(
                f"{len(task_ids)} tasks selected; one bulk action works on at most {cap}",
                field="selection.task_ids", limit=cap,
            )  # fmt: skip
        return task_ids
    trees: list[Node] = []
    if selection.filter_id is not None:
        trees.append(saved_tree(request, caller, selection.filter_id))
    if selection.filter is not None:
        trees.append(
            SAVED_FILTERS.parse(TASK_FILTER_FIELDS.table_id, selection.filter, "selection.filter")
        )
    tree = trees[0] if len(trees) == 1 else Group(True, tuple(trees))
    wanted = TaskFilter(selection.view, tuple(selection.state), tree=tree)
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        page = TaskQueries(uow.connection, caller.tenant_id).page(
            viewer_of(caller), wanted, Sort.CREATED, cap, None, kontor.clock.now()
        )
    if page.next_cursor is not None:
        raise BulkTooLarge(
            f"the filter selects more than {cap} tasks; narrow it",
            field="selection.filter", limit=cap,
        )  # fmt: skip
    return [task.id for task in page.items]
