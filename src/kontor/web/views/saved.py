"""Saved filters on declared tables: a view's columns are its filter fields; a filter is a named
AND/OR condition tree, private or shared to a group, stored by the platform's saved filters."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.sql import Subquery

from kontor.api.filter_tables import SAVED_FILTERS
from kontor.errors import InvalidInput
from kontor.json_input import loads_bounded
from kontor.platform.saved_filters import (
    FieldKind,
    FilterField,
    FilterFields,
    Group,
    Node,
    SavedFilters,
    parse_filter,
    to_json,
    to_sql,
)
from kontor.web.forms import parse_german_number
from kontor.web.views.declarations import Kind, TableView

FIELD_KINDS = {
    Kind.NUMBER: FieldKind.NUMBER,
    Kind.MONEY: FieldKind.NUMBER,
    Kind.DATE: FieldKind.MOMENT,
    Kind.DATETIME: FieldKind.MOMENT,
}
OPERATOR_WORDS = {
    "eq": "ist gleich",
    "ne": "ist nicht",
    "contains": "enthält",
    "lt": "kleiner als",
    "le": "höchstens",
    "gt": "größer als",
    "ge": "mindestens",
    "is_empty": "ist leer",
}
"""The operators the conditions editor offers, in German (``in`` only over the API)."""


def filter_fields(view: TableView) -> FilterFields:
    """The fields a view's saved filters may name: its columns, typed by their kind."""
    fields = [
        FilterField(c.key, FIELD_KINDS.get(c.kind, FieldKind.TEXT), c.label) for c in view.columns
    ]
    return FilterFields(view.name, fields)


def saved_filters_for(tables: Mapping[str, TableView]) -> SavedFilters:
    """One saved-filter service over the API's tables and every declared table view."""
    declared = {view.name: filter_fields(view) for view in tables.values()}
    return SavedFilters({**SAVED_FILTERS.tables, **declared})


def read_conditions(view: TableView, text: str) -> Node | None:
    """The condition tree of the editor's JSON (German numbers allowed); None when empty."""
    if not text.strip():
        return None
    try:
        raw = loads_bounded(text, parse_float=Decimal)
    except ValueError:
        raise InvalidInput("die Bedingungen sind kein JSON", field="cond") from None
    fields = filter_fields(view)
    return parse_filter(_typed(raw, fields), fields, "cond")


def _typed(raw: Any, fields: FilterFields) -> Any:
    if not isinstance(raw, dict):
        return raw
    for join in ("all", "any"):
        if isinstance(raw.get(join), list):
            return {**raw, join: [_typed(part, fields) for part in raw[join]]}
    field = fields.field(str(raw.get("field")))
    value = raw.get("value")
    if raw.get("op") == "is_empty":
        value = value in (True, "true")
    elif field is not None and field.kind is FieldKind.NUMBER and isinstance(value, str):
        with contextlib.suppress(ValueError):  # else parse_filter names the field
            value = parse_german_number(value)
    return {**raw, "value": value}


def both(first: Node | None, second: Node | None) -> Node | None:
    """The two trees joined by AND (either alone when the other is missing)."""
    if first is None or second is None:
        return first or second
    return Group(True, (first, second))


def where(tree: Node, matching: Subquery) -> ColumnElement[bool]:
    """The tree as an SQL condition over the table's row query."""
    return to_sql(tree, lambda field, kind: matching.c[field.name])


def definition_of(
    view: TableView, tree: Node | None, search: str, filters: Mapping[str, str]
) -> dict[str, Any] | None:
    """What a user saves: the conditions AND the search AND the column filters shown."""
    fields = filter_fields(view)
    text_fields = {f.name for f in fields.fields if f.kind is FieldKind.TEXT}
    parts: list[dict[str, Any]] = [] if tree is None else [to_json(tree)]
    searched = [
        k for k in (view.search_fields or [c.key for c in view.columns]) if k in text_fields
    ]
    if search and searched:
        parts.append({"any": [{"field": k, "op": "contains", "value": search} for k in searched]})
    for declared in view.filters:
        if declared.column and filters.get(declared.key) and declared.key in text_fields:
            parts.append({"field": declared.key, "op": "eq", "value": filters[declared.key]})
    if not parts:
        return None
    return (
        parts[0] if len(parts) == 1 and ("all" in parts[0] or "any" in parts[0]) else {"all": parts}
    )
