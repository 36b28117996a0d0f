"""Entities as plain data in the shape of their ``*Fields`` models (for changes and answers)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pydantic import BaseModel, ValidationError

from kontor.portfolio.domain import Address, Origin
from kontor.portfolio.errors import InvalidPortfolioData
from kontor.portfolio.lines import details_to_data


def _plain(name: str, value: Any) -> Any:
    if isinstance(value, Address):
        return asdict(value)
    if isinstance(value, tuple):
        return [_plain(name, item) for item in value]
    if name == "details":
        return details_to_data(value)
    return value


def data_of(entity: Any, fields: type[BaseModel]) -> dict[str, Any]:
    """The values of ``entity`` named by the fields of ``fields``."""
    return {name: _plain(name, getattr(entity, name)) for name in fields.model_fields}


def origin_data(origin: Origin | None) -> dict[str, Any] | None:
    """An origin link as plain data."""
    return None if origin is None else asdict(origin)


def validated(fields: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` checked against ``fields``; the first refusal names its field path."""
    try:
        return fields.model_validate(data).model_dump()
    except ValidationError as error:
        first = error.errors()[0]
        path = ".".join(str(part) for part in first["loc"])
        raise InvalidPortfolioData(f"{path}: {first['msg']}", field=path) from None
