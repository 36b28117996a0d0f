"""The work list's pages read along the task system's queues show exactly what the generic table
query shows — every list, sort order, search, state filter and page — on SQLite and PostgreSQL;
beyond a hundred matches PostgreSQL shows the total as an estimate ("ca.")."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import Engine

from kontor.bootstrap import Kontor
from kontor.casework.tasks import CreateTask, WorkOnTask
from kontor.platform import OPERATOR_STAFF
from kontor.web.pages.tasks import WORK_LIST
from kontor.web.views import TableView, ViewContext, engine
from kontor.web.views.state import TableState
from support.backends import BACKENDS
from support.identity import Caller, api_caller
from support.kontor_app import app_client, kontor_on

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

START = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
GENERIC = dataclasses.replace(WORK_LIST, pager=None)


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    return kontor_on(engine)


def fill(kontor: Kontor, me: Caller) -> None:
    """130 tasks: offered to my group or to me, mine, someone else's; some started, some due."""
    user = me.principal.user_id
    for n in range(130):
        offered = [{"candidate_groups": [OPERATOR_STAFF]}, {"candidate_users": [user]},
                   {"assignee": user}, {"candidate_groups": ["elsewhere"]}][n % 4]  # fmt: skip
        due = None if n % 7 == 0 else START + dt.timedelta(hours=(n * 37) % 90)
        task = kontor.bus.handle(CreateTask(
            tenant_id=me.principal.tenant_id, actor=user, name=f"Rückfrage {n}",
            priority=(n * 13) % 5 * 20, due_at=due, description="Akte 7" if n % 5 else "",
            **offered,
        ))  # fmt: skip
        if n % 4 == 2 and n % 3 == 0:
            kontor.bus.handle(WorkOnTask(
                tenant_id=me.principal.tenant_id, actor=user, task_id=task.id, operation="start"
            ))  # fmt: skip


def ids_of(kontor: Kontor, me: Caller, view: TableView, state: TableState) -> tuple[list[str], int]:
    context = ViewContext(kontor, me.principal, START)
    with kontor.engine.connect() as connection:
        page = engine.page(connection, view, context, state)
    return [str(row["id"]) for row in page.rows], page.total or 0


@pytest.mark.parametrize("listed", ["mine", "candidate", "all", "overdue", "delegated"])
def test_the_queue_pages_show_what_the_table_query_shows(kontor: Kontor, listed: str) -> None:
    me = api_caller(kontor)
    fill(kontor, me)
    assert WORK_LIST.pager is not None
    for sort in ("due_at", "-priority", "created_at"):
        for search, state_filter in (("", ""), ("akte", ""), ("rückfrage 1", "ready"),
                                     ("", "in_progress")):  # fmt: skip
            filters = {"list": listed} | ({"state": state_filter} if state_filter else {})
            for page in (1, 2, 3):
                state = TableState(search, filters, sort, page)
                context = ViewContext(kontor, me.principal, START)
                assert WORK_LIST.pager(context, state, 0, 1) is not None, (sort, search)
                fast, fast_total = ids_of(kontor, me, WORK_LIST, state)
                generic, generic_total = ids_of(kontor, me, GENERIC, state)
                assert fast == generic, (listed, sort, search, state_filter, page)
                if generic_total <= 100:
                    assert fast_total == generic_total


def test_other_sort_orders_and_conditions_use_the_table_query(kontor: Kontor) -> None:
    me = api_caller(kontor)
    context = ViewContext(kontor, me.principal, START)
    assert WORK_LIST.pager is not None
    assert WORK_LIST.pager(context, TableState("", {}, "-due_at", 1), 0, 26) is None
    assert WORK_LIST.pager(context, TableState("", {"state": "bogus"}, "due_at", 1), 0, 26) is None


def test_a_long_list_shows_its_total_exactly_on_sqlite_and_estimated_on_postgresql(
    kontor: Kontor, database_url: str
) -> None:
    me = api_caller(kontor)
    fill(kontor, me)
    with app_client(kontor, pages=True) as client:
        page = client.get("/tasks?f_list=all", headers=me.headers).text
    if database_url.startswith("sqlite"):
        assert 'Treffer: <span class="total">130</span>' in page
    else:
        assert 'Treffer: <span class="total">ca. ' in page


def test_a_search_for_percent_and_underscore_finds_them_literally(kontor: Kontor) -> None:
    me = api_caller(kontor)
    for name in ("Rabatt 50% prüfen", "Rabatt 500 prüfen", "Konto_1 sperren", "Konto 1 sperren"):
        kontor.bus.handle(CreateTask(
            tenant_id=me.principal.tenant_id, actor=me.principal.user_id, name=name,
            assignee=me.principal.user_id,
        ))  # fmt: skip
    context = ViewContext(kontor, me.principal, START)
    for search, found in (("50%", ["Rabatt 50% prüfen"]), ("konto_1", ["Konto_1 sperren"])):
        state = TableState(search, {"list": "mine"}, "due_at", 1)
        with kontor.engine.connect() as connection:
            rows = engine.page(connection, WORK_LIST, context, state).rows
        assert [row["name"] for row in rows] == found
