"""A checked filter tree as one SQLAlchemy condition, over the columns a table's owner names.

The owner passes ``resolve(field, kind)``: the column (or JSON value read as ``kind``) of a
field; fields that need more than one column (a candidate group in another table) come as
``special`` functions from a condition to an SQL condition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, true

from kontor.db import contains_text
from kontor.platform.saved_filters.conditions import (
    Condition,
    FieldKind,
    FilterField,
    Group,
    Node,
    Operator,
)

Resolve = Callable[[FilterField, FieldKind], ColumnElement[Any]]
Special = Callable[[Condition], ColumnElement[bool]]


def to_sql(
    node: Node, resolve: Resolve, special: Mapping[str, Special] | None = None
) -> ColumnElement[bool]:
    """The SQL condition that holds for the rows the filter tree keeps."""
    if isinstance(node, Group):
        parts = [to_sql(part, resolve, special) for part in node.parts]
        return and_(true(), *parts) if node.all else or_(false(), *parts)
    custom = (special or {}).get(node.field.name)
    if custom is not None:
        return custom(node)
    kind, value = _typed(node)
    return compare(resolve(node.field, kind), node.op, value, kind)


def _typed(condition: Condition) -> tuple[FieldKind, Any]:
    """The kind to read an open field as, and the value in it: a number compares as a number;
    ``contains``, ``is_empty`` and a list of mixed values read the field as text."""
    if condition.field.kind != FieldKind.ANY:
        return condition.field.kind, condition.value
    if condition.op == Operator.IS_EMPTY:
        return FieldKind.TEXT, condition.value
    values = condition.value if isinstance(condition.value, tuple) else (condition.value,)
    kinds = {_kind_of(v) for v in values if v is not None}
    if condition.op == Operator.CONTAINS or len(kinds) != 1:
        return FieldKind.TEXT, _as_text(condition.value)
    return kinds.pop(), condition.value


def _kind_of(value: Any) -> FieldKind:
    if isinstance(value, bool):
        return FieldKind.BOOLEAN
    if isinstance(value, int | Decimal):
        return FieldKind.NUMBER
    if isinstance(value, dt.datetime):
        return FieldKind.MOMENT
    return FieldKind.TEXT


def _as_text(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_as_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def compare(
    column: ColumnElement[Any], op: Operator, value: Any, kind: FieldKind = FieldKind.TEXT
) -> ColumnElement[bool]:
    """``column`` compared with ``value`` by ``op`` (``ne`` keeps rows without a value)."""
    if op == Operator.IS_EMPTY:
        empty = or_(column.is_(None), column == "") if kind == FieldKind.TEXT else column.is_(None)
        return empty if value else ~empty
    if op == Operator.CONTAINS:
        return contains_text(func.lower(column), str(value).lower())
    if op == Operator.IN:
        return column.in_(list(value))
    comparisons: dict[Operator, Callable[[], ColumnElement[bool]]] = {
        Operator.EQ: lambda: column == value,
        Operator.NE: lambda: or_(column != value, column.is_(None)),
        Operator.LT: lambda: column < value,
        Operator.LE: lambda: column <= value,
        Operator.GT: lambda: column > value,
        Operator.GE: lambda: column >= value,
    }
    return comparisons[op]()
