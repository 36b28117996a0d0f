"""A column compared with a list of values, as the database takes it best."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Connection, String, any_, bindparam, literal
from sqlalchemy.dialects.postgresql import ARRAY


def one_of(connection: Connection, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """``column`` equals one of ``values``.

    On PostgreSQL the list is one array parameter (``= ANY(…)``): a list of a thousand ids is
    then one value to send, not a thousand placeholders the driver rewrites and the server
    parses for every statement. Elsewhere it is ``IN (…)``.
    """
    if connection.dialect.name == "postgresql":
        return column == any_(literal(list(values), _array_of(column)))  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]


def any_of_parameter(column: Any, name: str) -> ColumnElement[bool]:
    """``column`` equals one of the list passed as parameter ``name`` (PostgreSQL only: one
    array parameter, so that a prebuilt statement takes any number of values)."""
    return column == any_(bindparam(name, type_=_array_of(column)))  # type: ignore[no-any-return]


def _array_of(column: Any) -> ARRAY[Any]:
    """The array type of ``column``'s values; text as unbounded ``VARCHAR[]``: a cast to
    ``VARCHAR(36)[]`` would cut a longer value down to one that matches."""
    return ARRAY(String() if isinstance(column.type, String) else column.type)
