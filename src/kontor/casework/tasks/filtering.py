"""The work list's filter fields and how each becomes SQL: task columns, candidates, case data.

Saved and inline filters (``kontor.platform.saved_filters``) name these fields; open-ended
ones are ``case.data.<path>`` (the task's case's data) and ``variables.<path>`` (the task's).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ARRAY, ColumnElement, String, case, exists, func, literal, or_, select

from kontor.casework.cases.tables import cases
from kontor.casework.tasks.tables import task_candidates, tasks
from kontor.platform.saved_filters import (
    Condition,
    FieldKind,
    FilterField,
    FilterFields,
    Node,
    Operator,
    compare,
    to_sql,
)

TEXT, NUMBER, MOMENT = FieldKind.TEXT, FieldKind.NUMBER, FieldKind.MOMENT
CASE_DATA, VARIABLES = "case.data.", "variables."
_CASE_COLUMNS = {
    "case.title": "title",
    "case.status": "status",
    "case.business_key": "business_key",
    "case.case_type": "case_type",
    "case.group_id": "group_id",
}

TASK_FILTER_FIELDS = FilterFields(
    "tasks",
    (
        FilterField("name", TEXT, "Aufgabe"),
        FilterField("description", TEXT, "Beschreibung"),
        FilterField("state", TEXT, "Status"),
        FilterField("assignee", TEXT, "Bearbeiter"),
        FilterField("owner", TEXT, "Eigentümer"),
        FilterField("candidate_user", TEXT, "Kandidat"),
        FilterField("candidate_group", TEXT, "Gruppe"),
        FilterField("priority", NUMBER, "Priorität"),
        FilterField("due_at", MOMENT, "Fällig am"),
        FilterField("follow_up_at", MOMENT, "Wiedervorlage"),
        FilterField("created_at", MOMENT, "Erstellt am"),
        FilterField("created_by", TEXT, "Erstellt von"),
        FilterField("form_key", TEXT, "Formular"),
        FilterField("case_id", TEXT, "Vorgang"),
        FilterField("outcome", TEXT, "Ergebnis"),
        FilterField("delegation", TEXT, "Delegation"),
        FilterField("process_instance_id", TEXT, "Prozessinstanz"),
        *(FilterField(name, TEXT, "Vorgang: " + column) for name, column in _CASE_COLUMNS.items()),
    ),
    open_prefixes=(CASE_DATA, VARIABLES),
)
"""Every field a work-list filter may name (table id ``tasks``)."""

SEARCHED = ("name", "description", "assignee", "owner", "form_key", "case_id", "outcome")
"""The columns a work list's free-text search looks into."""


def task_condition(tree: Node, dialect: str) -> ColumnElement[bool]:
    """The SQL condition on ``tasks`` that keeps the tasks the filter tree keeps.

    ``dialect`` (``sqlite``, ``postgresql``) decides how a JSON value's type is checked, so
    that comparing a text with a number never fails in the database.
    """
    special = {"candidate_user": _candidates("user"), "candidate_group": _candidates("group")}
    return to_sql(tree, lambda field, kind: _column(field, kind, dialect), special)


def search_condition(text: str) -> ColumnElement[bool]:
    """Tasks whose text columns contain ``text`` (ignoring case)."""
    return or_(*(compare(tasks.c[name], Operator.CONTAINS, text) for name in SEARCHED))


def _column(field: FilterField, kind: FieldKind, dialect: str) -> ColumnElement[Any]:
    name = field.name
    if name.startswith(CASE_DATA):
        return _case_value(_json(cases.c.data, _path(name, CASE_DATA), kind, dialect))
    if name.startswith(VARIABLES):
        variable: ColumnElement[Any] = _json(
            tasks.c.variables, _path(name, VARIABLES), kind, dialect
        )
        return variable
    if name in _CASE_COLUMNS:
        return _case_value(cases.c[_CASE_COLUMNS[name]])
    return tasks.c[name]


def _path(name: str, prefix: str) -> tuple[str, ...]:
    return tuple(name.removeprefix(prefix).split("."))


_JSON_TYPES: dict[str, dict[FieldKind, tuple[str, ...]]] = {
    "sqlite": {NUMBER: ("integer", "real"), FieldKind.BOOLEAN: ("true", "false")},
    "postgresql": {NUMBER: ("number",), FieldKind.BOOLEAN: ("boolean",)},
}


def _json(document: Any, path: tuple[str, ...], kind: FieldKind, dialect: str) -> Any:
    element = document[path[0] if len(path) == 1 else path]
    if kind not in (NUMBER, FieldKind.BOOLEAN):
        return element.as_string()
    typed = element.as_numeric(30, 10) if kind == NUMBER else element.as_boolean()
    if dialect == "postgresql":
        json_type = func.jsonb_typeof(document.op("#>")(literal(list(path), ARRAY(String))))
    else:
        json_type = func.json_type(document, "$" + "".join(f'."{p}"' for p in path))
    return case((json_type.in_(_JSON_TYPES.get(dialect, _JSON_TYPES["sqlite"])[kind]), typed))


def _case_value(column: ColumnElement[Any]) -> ColumnElement[Any]:
    return (
        select(column)
        .where(cases.c.tenant_id == tasks.c.tenant_id, cases.c.case_id == tasks.c.case_id)
        .scalar_subquery()
    )


def _candidates(kind: str) -> Any:
    def condition(node: Condition) -> ColumnElement[bool]:
        found = exists().where(
            task_candidates.c.tenant_id == tasks.c.tenant_id,  # lets the identity index serve
            task_candidates.c.task_id == tasks.c.task_id,
            task_candidates.c.kind == kind,
        )
        if node.op == Operator.IS_EMPTY:
            return ~found if node.value else found
        op = Operator.EQ if node.op == Operator.NE else node.op  # ne: no candidate is X
        found = found.where(compare(task_candidates.c.identity, op, node.value))
        return ~found if node.op == Operator.NE else found

    return condition
