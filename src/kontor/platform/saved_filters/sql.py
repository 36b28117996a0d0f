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
    return compare(resolve(node.field, _kind(node)), node.op, node.value, _kind(node))


def _kind(condition: Condition) -> FieldKind:
    if condition.field.kind != FieldKind.ANY:
        return condition.field.kind
    sample = condition.value[0] if isinstance(condition.value, tuple) else condition.value
    if isinstance(sample, bool):
        return FieldKind.BOOLEAN
    if isinstance(sample, int | Decimal):
        return FieldKind.NUMBER
    if isinstance(sample, dt.datetime):
        return FieldKind.MOMENT
    return FieldKind.TEXT


def compare(
    column: ColumnElement[Any], op: Operator, value: Any, kind: FieldKind = FieldKind.TEXT
) -> ColumnElement[bool]:
    """``column`` compared with ``value`` by ``op`` (``ne`` keeps rows without a value)."""
    if op == Operator.IS_EMPTY:
        empty = or_(column.is_(None), column == "") if kind == FieldKind.TEXT else column.is_(None)
        return empty if value else ~empty
    if op == Operator.CONTAINS:
        return func.lower(column).contains(str(value).lower(), autoescape=True)
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
