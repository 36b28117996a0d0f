"""Work lists read from the candidates' queue (candidate view, group filter, a candidate
condition) hold the same tasks in the same order as the whole table says, page after page;
their counts are exact up to the limit and an estimate, marked as such, beyond it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.casework.tasks import (
    CreateTask,
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
from kontor.messaging import FakeClock
from kontor.platform.saved_filters import parse_filter
from support.backends import BACKENDS
from support.kontor_app import kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
TENANT = "t"
ANNA = Viewer("anna", frozenset({"claims", "motor"}))
OFFERS: list[dict[str, Any]] = [
    {"candidate_groups": ["claims"]},
    {"candidate_groups": ["motor"]},
    {"candidate_groups": ["claims", "motor"]},  # in two of Anna's queues: listed once
    {"candidate_users": ["anna"], "candidate_groups": ["claims"]},
    {"candidate_users": ["anna"]},
    {"candidate_groups": ["life"]},  # not Anna's
]


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine, FakeClock(NOW))


def create_tasks(kontor: Kontor) -> list[Task]:
    made = []
    for n in range(18):
        due = None if n % 5 == 0 else NOW + dt.timedelta(days=(n * 7) % 11)
        task = kontor.bus.handle(
            CreateTask(tenant_id=TENANT, actor="clerk", name=f"Aufgabe {n}", due_at=due,
                       priority=(n * 37) % 100, **OFFERS[n % len(OFFERS)])
        )  # fmt: skip
        made.append(task)
        kontor.clock.advance(dt.timedelta(minutes=1))  # type: ignore[attr-defined]
    return made


def work(kontor: Kontor, task: Task, operation: str, **arguments: Any) -> None:
    kontor.bus.handle(
        WorkOnTask(tenant_id=TENANT, actor="anna", task_id=task.id, operation=operation,
                   arguments=arguments, actor_groups=sorted(ANNA.groups))
    )  # fmt: skip


def walk(kontor: Kontor, wanted: TaskFilter, sort: Sort) -> list[str]:
    """Every page of three, following the cursors."""
    seen: list[str] = []
    cursor = None
    while True:
        with kontor.bus.reading() as uow:
            page = TaskQueries(uow.connection, TENANT).page(ANNA, wanted, sort, 3, cursor, NOW)
        seen += [task.name for task in page.items]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def expected(tasks: list[Task], keep: Any, sort: Sort) -> list[str]:
    last = dt.datetime.max.replace(tzinfo=dt.UTC)
    keys = {
        Sort.DUE: lambda t: (t.due_at or last, t.id),
        Sort.PRIORITY: lambda t: (-t.priority, t.id),
        Sort.CREATED: lambda t: (t.created_at, t.id),
    }
    return [t.name for t in sorted(filter(keep, tasks), key=keys[sort])]


def current(kontor: Kontor, tasks: list[Task]) -> list[Task]:
    with kontor.bus.reading() as uow:
        return TaskStore(uow.connection, TENANT).many([t.id for t in tasks])


def offered_to_anna(task: Task) -> bool:
    return task.state == TaskState.READY and (
        "anna" in task.candidate_users or bool(ANNA.groups & set(task.candidate_groups))
    )


@pytest.mark.parametrize("sort", list(Sort))
def test_queues_list_what_the_tasks_say_in_order_page_after_page(
    kontor: Kontor, sort: Sort
) -> None:
    made = create_tasks(kontor)
    work(kontor, made[0], "claim")  # reserved: out of the candidate view, still in the group's
    work(kontor, made[3], "claim")
    work(kontor, made[3], "complete")  # finished: out of every queue
    tasks = current(kontor, made)
    assert walk(kontor, TaskFilter(View.CANDIDATE), sort) == expected(tasks, offered_to_anna, sort)

    def open_in(group: str) -> Any:
        return lambda t: t.state not in (TaskState.COMPLETED,) and group in t.candidate_groups

    assert walk(kontor, TaskFilter(group="claims"), sort) == expected(
        tasks, open_in("claims"), sort
    )
    tree = parse_filter({"all": [
        {"field": "candidate_group", "op": "in", "value": ["motor", "life"]},
        {"field": "priority", "op": "ge", "value": 30},
    ]}, TASK_FILTER_FIELDS)  # fmt: skip

    def motor_or_life_urgent(t: Task) -> bool:
        groups = {"motor", "life"} & set(t.candidate_groups)
        return t.state != TaskState.COMPLETED and bool(groups) and t.priority >= 30

    assert walk(kontor, TaskFilter(tree=tree), sort) == expected(tasks, motor_or_life_urgent, sort)


def test_a_count_beyond_the_limit_is_an_estimate_said_to_be_one(kontor: Kontor) -> None:
    create_tasks(kontor)
    wanted = TaskFilter(View.CANDIDATE)
    with kontor.bus.reading() as uow:
        queries = TaskQueries(uow.connection, TENANT)
        exact = queries.count(ANNA, wanted, NOW)
        small = queries.count_or_estimate(ANNA, wanted, NOW, exact_up_to=100)
        large = queries.count_or_estimate(ANNA, wanted, NOW, exact_up_to=5)
        capped = queries.count(ANNA, wanted, NOW, up_to=5)
    assert exact == 15
    assert (small.count, small.estimated) == (15, False)
    assert capped == 6  # counting stopped above the limit
    if kontor.bus.engine.dialect.name == "postgresql":
        assert large.estimated
        assert large.count >= 6
    else:  # the embedded store counts exactly
        assert (large.count, large.estimated) == (15, False)
