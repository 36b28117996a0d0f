"""The task store: tasks, candidates and history rows of one tenant, on the caller's connection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update

from kontor.casework.tasks.domain import FINAL_STATES, HistoryEntry, Task, TaskState
from kontor.casework.tasks.errors import TaskNotFound
from kontor.casework.tasks.tables import task_candidates, task_history, tasks
from kontor.casework.tasks.trail import to_case_timeline
from kontor.db.fast import FastStatement, Read, read_together
from kontor.db.ids import time_ordered_id
from kontor.db.lists import any_of_parameter
from kontor.errors import Conflict

_SCALARS = (
    "name", "description", "owner", "assignee", "priority", "due_at", "follow_up_at",
    "form_key", "form_version", "case_id", "delegation", "outcome", "process_instance_id",
    "process_task_id", "created_by", "created_at",
)  # fmt: skip
NO_DUE_DATE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
"""The due date undated tasks sort by: last."""


# Built once: every process user task runs these.
_INSERT = FastStatement(insert(tasks))
_INSERT_CANDIDATES = FastStatement(insert(task_candidates))
_INSERT_HISTORY = FastStatement(insert(task_history))
_HISTORY = FastStatement(
    select(task_history)
    .where(
        task_history.c.tenant_id == bindparam("b_tenant"),
        task_history.c.task_id == bindparam("b_task"),
    )
    .order_by(task_history.c.entry_id)
)
_GET = FastStatement(
    select(tasks).where(
        tasks.c.tenant_id == bindparam("b_tenant"), tasks.c.task_id == bindparam("b_task")
    )
)
_IS_PROCESS_TASK = (
    tasks.c.tenant_id == bindparam("b_tenant"),
    tasks.c.process_instance_id == bindparam("b_instance"),
    tasks.c.process_task_id == bindparam("b_process_task"),
)
_OF_PROCESS_TASK = FastStatement(select(tasks).where(*_IS_PROCESS_TASK))
_PROCESS_TASK_ID = FastStatement(select(tasks.c.task_id).where(*_IS_PROCESS_TASK))
_CANDIDATE_ORDER = (task_candidates.c.kind, task_candidates.c.identity)
_TASKS_ANY = FastStatement(  # PostgreSQL: several tasks by id (a work list's page)
    select(tasks).where(
        tasks.c.tenant_id == bindparam("b_tenant"), any_of_parameter(tasks.c.task_id, "b_tasks")
    )
)
_CANDIDATES_ANY = FastStatement(
    select(task_candidates.c.task_id, *_CANDIDATE_ORDER)
    .where(any_of_parameter(task_candidates.c.task_id, "b_tasks"))
    .order_by(*_CANDIDATE_ORDER)
)
_PROCESS_TASKS_OF = FastStatement(  # PostgreSQL: the process user tasks of several instances
    select(tasks.c.process_instance_id, tasks.c.process_task_id).where(
        tasks.c.tenant_id == bindparam("b_tenant"),
        any_of_parameter(tasks.c.process_instance_id, "b_instances"),
    )
)
_CANDIDATES = FastStatement(
    select(*_CANDIDATE_ORDER)
    .where(task_candidates.c.task_id == bindparam("b_task"))
    .order_by(*_CANDIDATE_ORDER)
)
_CANDIDATES_OF_PROCESS_TASK = FastStatement(
    select(*_CANDIDATE_ORDER)
    .where(
        task_candidates.c.task_id
        == select(tasks.c.task_id).where(*_IS_PROCESS_TASK).scalar_subquery()
    )
    .order_by(*_CANDIDATE_ORDER)
)
_SAVE = FastStatement(
    update(tasks).where(
        tasks.c.tenant_id == bindparam("b_tenant"),
        tasks.c.task_id == bindparam("b_task"),
        tasks.c.revision == bindparam("b_revision"),
    )
)
_DELETE_CANDIDATES = FastStatement(
    delete(task_candidates).where(task_candidates.c.task_id == bindparam("b_task"))
)


class ConcurrentTaskChange(Conflict):
    """The task changed since it was loaded; the operation should be tried again."""

    code = "casework.concurrent_task_change"


class TaskStore:
    """Reads and writes the tasks of ``tenant_id``; never another tenant's."""

    def __init__(self, connection: Connection, tenant_id: str) -> None:
        self.connection = connection
        self.tenant_id = tenant_id

    def add(self, task: Task, entry: HistoryEntry) -> None:
        """Insert a new task with its candidates and its first history entry."""
        _INSERT.execute_later(
            self.connection,
            [{**_row(task), "task_id": task.id, "tenant_id": self.tenant_id,
              "updated_at": entry.at, "revision": 1}],
            scope=task.id, appending=True,  # a batch's new tasks go together
        )  # fmt: skip
        self._write_candidates(task)
        self.note(task, entry)

    def get(self, task_id: str) -> tuple[Task, int]:
        """The task and its revision; ``TaskNotFound`` for unknown or foreign ids."""
        wanted = {"b_tenant": self.tenant_id, "b_task": task_id}
        found = self._with_candidates(_GET, _CANDIDATES, wanted)
        if found is None:
            raise TaskNotFound(f"task {task_id} not found", task_id=task_id)
        return found

    def _with_candidates(
        self, task: FastStatement, candidates: FastStatement, wanted: dict[str, str]
    ) -> tuple[Task, int] | None:
        """The task the first statement reads and its candidates, in one round trip."""
        return self.found_with_candidates(
            read_together(self.connection, (task, wanted), (candidates, wanted))
        )

    @staticmethod
    def found_with_candidates(found: list[list[Any]]) -> tuple[Task, int] | None:
        """The task and its revision from the rows of a task's read and its candidates'."""
        rows, candidate_rows = found
        if not rows:
            return None
        pairs = [(c.kind, c.identity) for c in candidate_rows]
        return _task(rows[0], pairs), rows[0].revision

    def many(self, task_ids: list[str]) -> list[Task]:
        """The tasks with these ids, in that order (unknown or foreign ones left out)."""
        found = self.with_revisions(task_ids)
        return [found[task_id][0] for task_id in task_ids if task_id in found]

    def with_revisions(
        self, task_ids: list[str], *, lock: bool = False
    ) -> dict[str, tuple[Task, int]]:
        """The tasks with these ids and their revisions, by id (unknown or foreign ones left
        out); with ``lock``, held against other writers until the transaction ends."""
        if not task_ids:
            return {}
        if not lock and self.connection.dialect.name == "postgresql":
            return self._with_revisions_together(task_ids)
        query = select(tasks).where(
            tasks.c.tenant_id == self.tenant_id, tasks.c.task_id.in_(task_ids)
        )
        rows = self.connection.execute(query.with_for_update() if lock else query).all()
        candidates: dict[str, list[tuple[str, str]]] = {}
        for task_id, kind, identity in self.connection.execute(
            select(task_candidates.c.task_id, task_candidates.c.kind, task_candidates.c.identity)
            .where(task_candidates.c.task_id.in_(task_ids))
            .order_by(task_candidates.c.kind, task_candidates.c.identity)
        ):
            candidates.setdefault(task_id, []).append((kind, identity))
        return {r.task_id: (_task(r, candidates.get(r.task_id, [])), r.revision) for r in rows}

    def _with_revisions_together(self, task_ids: list[str]) -> dict[str, tuple[Task, int]]:
        """PostgreSQL: the tasks and their candidates, two prebuilt statements in one round
        trip."""
        wanted = {"b_tenant": self.tenant_id, "b_tasks": task_ids}
        rows, candidate_rows = read_together(
            self.connection, (_TASKS_ANY, wanted), (_CANDIDATES_ANY, wanted)
        )
        candidates: dict[str, list[tuple[str, str]]] = {}
        for row in candidate_rows:
            candidates.setdefault(row.task_id, []).append((row.kind, row.identity))
        return {r.task_id: (_task(r, candidates.get(r.task_id, [])), r.revision) for r in rows}

    def has_process_task(self, instance_id: str, process_task_id: str) -> bool:
        """Whether a task was created for this process user task."""
        wanted = self._process_task(instance_id, process_task_id)
        return _PROCESS_TASK_ID.first_value(self.connection, wanted) is not None

    def process_tasks_reads(self, wanted: Sequence[tuple[str, str]]) -> list[Read]:
        """The reads telling, for each (instance, user task) pair, whether a task was created
        for it (``process_tasks_found``); on PostgreSQL one statement."""
        if self.connection.dialect.name == "postgresql":
            params = {"b_tenant": self.tenant_id, "b_instances": sorted({i for i, _ in wanted})}
            return [(_PROCESS_TASKS_OF, params)]
        return [(_PROCESS_TASK_ID, self._process_task(*pair)) for pair in wanted]

    def process_tasks_found(
        self, wanted: Sequence[tuple[str, str]], found: list[list[Any]]
    ) -> list[bool]:
        """For each pair of ``wanted``, whether the rows of ``process_tasks_reads`` hold it."""
        if self.connection.dialect.name == "postgresql":
            pairs = {(row.process_instance_id, row.process_task_id) for row in found[0]}
            return [pair in pairs for pair in wanted]
        return [bool(rows) for rows in found]

    def of_process_task(self, instance_id: str, process_task_id: str) -> tuple[Task, int] | None:
        """The task created for a process user task, if any."""
        found = read_together(
            self.connection, *self.process_task_reads(instance_id, process_task_id)
        )
        return self.found_with_candidates(found)

    def process_task_reads(self, instance_id: str, process_task_id: str) -> list[Read]:
        """The reads of the task created for a process user task and of its candidates
        (``found_with_candidates``)."""
        wanted = self._process_task(instance_id, process_task_id)
        return [(_OF_PROCESS_TASK, wanted), (_CANDIDATES_OF_PROCESS_TASK, wanted)]

    def _process_task(self, instance_id: str, process_task_id: str) -> dict[str, str]:
        return {
            "b_tenant": self.tenant_id,
            "b_instance": instance_id,
            "b_process_task": process_task_id,
        }

    def save(self, task: Task, revision: int, entry: HistoryEntry) -> None:
        """Write the changed task (refused if it changed meanwhile: at once, or where the
        connection ``checks_later`` when the queue is sent) and its history entry."""
        _SAVE.execute_checked(
            self.connection,
            {**_row(task), "updated_at": entry.at, "revision": revision + 1,
             "b_tenant": self.tenant_id, "b_task": task.id, "b_revision": revision},
            lambda: ConcurrentTaskChange(f"task {task.id} changed meanwhile", task_id=task.id),
        )  # fmt: skip
        _DELETE_CANDIDATES.execute_later(self.connection, [{"b_task": task.id}], scope=task.id)
        self._write_candidates(task)
        self.note(task, entry)

    def save_many(self, changed: list[tuple[Task, int, HistoryEntry]]) -> None:
        """Write many changed tasks (each refused if it changed meanwhile) and their history
        entries in a few statements; nothing is written when one of them changed."""
        if not changed:
            return
        rows = [
            {**_row(task), "updated_at": entry.at, "revision": revision + 1,
             "b_tenant": self.tenant_id, "b_task": task.id, "b_revision": revision}
            for task, revision, entry in changed
        ]  # fmt: skip
        statement = (
            update(tasks)
            .where(
                tasks.c.tenant_id == bindparam("b_tenant"),
                tasks.c.task_id == bindparam("b_task"),
                tasks.c.revision == bindparam("b_revision"),
            )
            .values({name: bindparam(name) for name in rows[0] if not name.startswith("b_")})
        )
        result = self.connection.execute(statement, rows)
        if result.rowcount != len(rows):
            raise ConcurrentTaskChange("some of the tasks changed meanwhile")
        ids = [task.id for task, _, _ in changed]
        self.connection.execute(delete(task_candidates).where(task_candidates.c.task_id.in_(ids)))
        candidates = [row for task, _, _ in changed for row in self._candidate_rows(task)]
        if candidates:
            self.connection.execute(insert(task_candidates), candidates)
        self.connection.execute(
            insert(task_history),
            [self._history_row(task.id, entry) for task, _, entry in changed],
        )
        for task, _, entry in changed:
            to_case_timeline(self.connection, task, entry)

    def note(self, task: Task, entry: HistoryEntry) -> None:
        """Append a history entry of ``task``, also to its case's timeline."""
        self.append(task.id, entry)
        to_case_timeline(self.connection, task, entry)

    def append(self, task_id: str, entry: HistoryEntry) -> None:
        """Append one history entry of the task."""
        _INSERT_HISTORY.execute_later(
            self.connection, [self._history_row(task_id, entry)], scope=task_id, appending=True
        )

    def _history_row(self, task_id: str, entry: HistoryEntry) -> dict[str, Any]:
        return {
            "entry_id": time_ordered_id(), "task_id": task_id, "tenant_id": self.tenant_id,
            "operation": entry.operation, "actor": entry.actor, "at": entry.at,
            "state": entry.state.value, "reason": entry.reason, "details": dict(entry.details),
        }  # fmt: skip

    def history(self, task_id: str) -> list[HistoryEntry]:
        """The task's history, oldest first."""
        rows = _HISTORY.all_rows(self.connection, {"b_tenant": self.tenant_id, "b_task": task_id})
        return _entries(rows)

    def _write_candidates(self, task: Task) -> None:
        _INSERT_CANDIDATES.execute_later(
            self.connection, self._candidate_rows(task), scope=task.id, appending=True
        )

    def _candidate_rows(self, task: Task) -> list[dict[str, Any]]:
        pairs = [("user", user) for user in task.candidate_users]
        pairs += [("group", group) for group in task.candidate_groups]
        order = queue_order(task)
        return [
            {"task_id": task.id, "tenant_id": self.tenant_id, "kind": k, "identity": i, **order}
            for k, i in dict.fromkeys(pairs)
        ]


def read_history(engine: Engine, tenant_id: str, task_id: str) -> list[HistoryEntry]:
    """The task's history, oldest first, read in one statement outside any transaction."""
    return _entries(_HISTORY.read_once(engine, {"b_tenant": tenant_id, "b_task": task_id}))


def _entries(rows: Sequence[Any]) -> list[HistoryEntry]:
    return [
        HistoryEntry(r.operation, r.actor, r.at, TaskState(r.state), r.reason, r.details)
        for r in rows
    ]


def queue_order(task: Task) -> dict[str, Any]:
    """What a candidate row keeps of its task: whether it is open and its sort keys."""
    return {
        "is_open": task.state not in FINAL_STATES,
        "due_key": task.due_at or NO_DUE_DATE,
        "priority_order": -task.priority,
        "created_at": task.created_at,
    }


def _task(row: Any, candidates: list[tuple[str, str]]) -> Task:
    return Task(
        id=row.task_id,
        tenant_id=row.tenant_id,
        state=TaskState(row.state),
        suspended_from=TaskState(row.suspended_from) if row.suspended_from else None,
        candidate_users=tuple(i for k, i in candidates if k == "user"),
        candidate_groups=tuple(i for k, i in candidates if k == "group"),
        variables=row.variables,
        draft=row.draft,
        **{name: getattr(row, name) for name in _SCALARS},
    )


def _row(task: Task) -> dict[str, Any]:
    return {
        **{name: getattr(task, name) for name in _SCALARS},
        "state": task.state.value,
        "suspended_from": task.suspended_from.value if task.suspended_from else None,
        "variables": dict(task.variables),
        "draft": dict(task.draft),
    }
