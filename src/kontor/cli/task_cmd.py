"""``kontor task``: work lists, a task with its history, and every operation on a task."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

import typer

from kontor.bootstrap import Kontor, bootstrap
from kontor.casework.tasks import (
    OPERATIONS,
    Sort,
    Task,
    TaskFilter,
    TaskQueries,
    TaskState,
    TaskStore,
    View,
    Viewer,
    WorkOnTask,
)
from kontor.casework.tasks.filtering import TASK_FILTER_FIELDS
from kontor.cli.common import fail, load_settings, print_json
from kontor.db import reading
from kontor.errors import KontorError
from kontor.platform import Principal, principal_of
from kontor.platform.saved_filters import Group, Node, SavedFilterStore, parse_filter

app = typer.Typer(help="Tasks: work lists and operations.", no_args_is_help=True)


@app.command("list")
def list_tasks(
    tenant: str = typer.Option(..., help="The tenant whose tasks to list."),
    user: str | None = typer.Option(None, "--as", help="Whose work list (user id)."),
    view: Annotated[View, typer.Option(help="mine, candidate, delegated, overdue or all.")] = (
        View.ALL
    ),
    state: Annotated[
        list[TaskState] | None, typer.Option(help="Only tasks in this state; repeatable.")
    ] = None,
    assignee: str | None = typer.Option(None, help="Only tasks of this assignee."),
    group: str | None = typer.Option(None, help="Only tasks offered to this group."),
    case_id: str | None = typer.Option(None, help="Only tasks of this case."),
    filter: str | None = typer.Option(None, "--filter", help="A condition tree as JSON."),
    filter_id: str | None = typer.Option(None, help="A saved filter that --as sees."),
    search: str | None = typer.Option(None, "--search", help="Text in name, description, …"),
    sort: Annotated[Sort, typer.Option(help="due, priority or created.")] = Sort.DUE,
    limit: int = typer.Option(50, min=1, max=500, help="At most this many."),
    cursor: str | None = typer.Option(None, help="The next_cursor of the previous page."),
) -> None:
    """A page of a work list, with the cursor of the next page."""
    kontor = bootstrap(load_settings())
    try:
        principal = _principal(kontor, tenant, user) if user else None
        trees = (
            [] if filter is None else [parse_filter(_json(filter, "--filter"), TASK_FILTER_FIELDS)]
        )
        if filter_id is not None:
            trees.append(_saved(kontor, principal, filter_id))
        tree = None if not trees else trees[0] if len(trees) == 1 else Group(True, tuple(trees))
        wanted = TaskFilter(view, tuple(state or ()), assignee, group, case_id, None, tree, search)
        with reading(kontor.engine) as connection:
            viewer = _viewer(principal)
            page = TaskQueries(connection, tenant).page(
                viewer, wanted, sort, limit, cursor, kontor.clock.now()
            )
    except KontorError as error:
        fail(error.message)
    finally:
        kontor.engine.dispose()
    print_json({"items": [_task(t) for t in page.items], "next_cursor": page.next_cursor})


@app.command("show")
def show(
    task_id: str = typer.Argument(..., help="The task's id."),
    tenant: str = typer.Option(..., help="The tenant the task belongs to."),
) -> None:
    """A task with its variables, draft and history."""
    kontor = bootstrap(load_settings())
    try:
        with reading(kontor.engine) as connection:
            store = TaskStore(connection, tenant)
            task, _ = store.get(task_id)
            history = store.history(task_id)
    except KontorError as error:
        fail(error.message)
    finally:
        kontor.engine.dispose()
    print_json(_task(task) | {"history": [asdict(entry) for entry in history]})


def _operation_command(operation: str) -> Callable[..., None]:
    def run(
        task_id: str = typer.Argument(..., help="The task's id."),
        tenant: str = typer.Option(..., help="The tenant the task belongs to."),
        actor: str = typer.Option(..., "--as", help="The user who does it (user id)."),
        user: str | None = typer.Option(None, "--user", help="user_id: the user it goes to."),
        group: str | None = typer.Option(None, "--group", help="group_id: the queue it goes to."),
        reason: str | None = typer.Option(None, help="Why."),
        priority: int | None = typer.Option(None, min=0, max=100, help="Escalate: at least this."),
        data: str | None = typer.Option(None, help="Form data as a JSON object."),
        to_process: bool | None = typer.Option(None, "--to-process", help="Reject: end the task."),
        message: str | None = typer.Option(None, help="Comment: its text."),
    ) -> None:
        arguments = {
            "user_id": user, "group_id": group, "reason": reason, "priority": priority,
            "data": _json(data, "--data") if data is not None else None, "to_process": to_process,
            "message": message,
        }  # fmt: skip
        kontor = bootstrap(load_settings())
        try:
            caller = _principal(kontor, tenant, actor)
            if not caller.has("tasks:work"):
                fail(f"user {actor} may not work on tasks (tasks:work)")
            task: Task = kontor.bus.handle(
                WorkOnTask(
                    tenant_id=tenant, actor=actor, task_id=task_id, operation=operation,
                    arguments={k: v for k, v in arguments.items() if v is not None},
                    actor_groups=sorted(caller.groups), as_manager=caller.has("tasks:manage"),
                )
            )  # fmt: skip
        except KontorError as error:
            fail(error.message)
        finally:
            kontor.engine.dispose()
        print_json(_task(task))

    run.__doc__ = (OPERATIONS[operation].__doc__ or operation).strip().splitlines()[0]
    return run


for _name in OPERATIONS:
    app.command(_name.replace("_", "-"))(_operation_command(_name))


def _principal(kontor: Kontor, tenant: str, user_id: str) -> Principal:
    with reading(kontor.engine) as connection:
        principal = principal_of(connection, tenant, user_id)
    if principal is None:
        fail(f"no active user {user_id} in tenant {tenant}")
    return principal


def _saved(kontor: Kontor, principal: Principal | None, filter_id: str) -> Node:
    if principal is None:
        fail("--filter-id needs --as: saved filters belong to users")
    with reading(kontor.engine) as connection:
        saved = SavedFilterStore(connection, principal.tenant_id).visible(
            filter_id, principal.user_id, principal.groups
        )
    from kontor.api.filter_tables import SAVED_FILTERS  # the API's modules only when needed

    return SAVED_FILTERS.tree(saved)


def _viewer(principal: Principal | None) -> Viewer:
    if principal is None:
        return Viewer("", frozenset())
    return Viewer(principal.user_id, principal.groups)


def _json(text: str, option: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        fail(f"{option} is no JSON: {error}")


def _task(task: Task) -> dict[str, Any]:
    return asdict(task)
