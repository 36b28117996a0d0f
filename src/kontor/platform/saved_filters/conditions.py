"""Filter conditions: a nested AND/OR tree over a table's named fields, checked against them.

A filter is JSON: ``{"all": [...]}`` (every part holds), ``{"any": [...]}`` (one part holds) or a
condition ``{"field": "priority", "op": "ge", "value": 50}``. A table declares its fields
(``FilterFields``): fixed ones with a kind, and prefixes for open-ended ones (``case.data.``).
``parse_filter`` refuses anything else with a problem naming the place (``filter.all[1].op``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeAlias

from kontor.errors import InvalidInput

MAX_DEPTH = 8
MAX_CONDITIONS = 50
MAX_IN_VALUES = 200
MAX_NUMBER = Decimal(10) ** 18


class Operator(StrEnum):
    """How a field is compared with the condition's value."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    CONTAINS = "contains"  # text contains the value, ignoring case
    IN = "in"  # equals one of a list of values
    IS_EMPTY = "is_empty"  # value true: has no value; false: has one


class FieldKind(StrEnum):
    """What a field holds; it decides the operators and values a condition may use."""

    TEXT = "text"
    NUMBER = "number"
    MOMENT = "moment"  # a date-time (ISO 8601, UTC if no offset)
    BOOLEAN = "boolean"
    ANY = "any"  # open-ended data: the value's JSON type decides how it compares


_ORDERED = {Operator.LT, Operator.LE, Operator.GT, Operator.GE}
OPERATORS: Mapping[FieldKind, frozenset[Operator]] = {
    FieldKind.TEXT: frozenset(Operator) - _ORDERED,
    FieldKind.NUMBER: frozenset(Operator) - {Operator.CONTAINS},
    FieldKind.MOMENT: frozenset(Operator) - {Operator.CONTAINS, Operator.IN},
    FieldKind.BOOLEAN: frozenset({Operator.EQ, Operator.NE, Operator.IS_EMPTY}),
    FieldKind.ANY: frozenset(Operator),
}


@dataclass(frozen=True)
class FilterField:
    """A field a table offers for filtering, with its German label for the UI."""

    name: str
    kind: FieldKind
    label: str = ""


@dataclass(frozen=True)
class FilterFields:
    """The fields of one table: fixed ones, and prefixes under which any name is allowed."""

    table_id: str
    fields: Sequence[FilterField]
    open_prefixes: Sequence[str] = ()

    def field(self, name: str) -> FilterField | None:
        """The field called ``name`` (an open one is of kind ``any``), or None."""
        for known in self.fields:
            if known.name == name:
                return known
        for prefix in self.open_prefixes:
            rest = name.removeprefix(prefix)
            if name.startswith(prefix) and rest and all(_is_key(p) for p in rest.split(".")):
                return FilterField(name, FieldKind.ANY)
        return None


def _is_key(part: str) -> bool:
    return bool(part) and len(part) <= 100 and part.replace("_", "").replace("-", "").isalnum()


@dataclass(frozen=True)
class Condition:
    """One field compared with a value."""

    field: FilterField
    op: Operator
    value: Any


@dataclass(frozen=True)
class Group:
    """Parts joined by AND (``all``) or OR (``any``)."""

    all: bool
    parts: tuple[Node, ...] = field(default_factory=tuple)


Node: TypeAlias = Condition | Group


def parse_filter(raw: Any, fields: FilterFields, where: str = "filter") -> Node:
    """The checked filter tree of ``raw``; ``InvalidInput`` names the first wrong place."""
    counter = [0]
    return _node(raw, fields, where, 1, counter)


def _node(raw: Any, fields: FilterFields, where: str, depth: int, counter: list[int]) -> Node:
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where} must be an object (all, any or a condition)", field=where)
    if depth > MAX_DEPTH:
        raise InvalidInput(f"{where} nests deeper than {MAX_DEPTH} levels", field=where)
    if "all" in raw or "any" in raw:
        key = "all" if "all" in raw else "any"
        _only(raw, {key}, where)
        parts = raw[key]
        if not isinstance(parts, list) or not parts:
            raise InvalidInput(f"{where}.{key} must be a non-empty list", field=f"{where}.{key}")
        return Group(
            key == "all",
            tuple(
                _node(p, fields, f"{where}.{key}[{i}]", depth + 1, counter)
                for i, p in enumerate(parts)
            ),
        )
    counter[0] += 1
    if counter[0] > MAX_CONDITIONS:
        raise InvalidInput(f"a filter has at most {MAX_CONDITIONS} conditions", field=where)
    return _condition(raw, fields, where)


def _only(raw: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise InvalidInput(f"{where} has an unknown key {unknown[0]!r}", field=where)


def _condition(raw: Mapping[str, Any], fields: FilterFields, where: str) -> Condition:
    _only(raw, {"field", "op", "value"}, where)
    name = raw.get("field")
    known = fields.field(name) if isinstance(name, str) else None
    if known is None:
        offered = ", ".join(f.name for f in fields.fields)
        raise InvalidInput(
            f"{where}.field: {fields.table_id} has no field {name!r} (known: {offered})",
            field=f"{where}.field",
        )
    try:
        op = Operator(str(raw.get("op")))
    except ValueError:
        raise InvalidInput(
            f"{where}.op {raw.get('op')!r} is none of {', '.join(Operator)}", field=f"{where}.op"
        ) from None
    if op not in OPERATORS[known.kind]:
        raise InvalidInput(
            f"{where}.op: {op} does not apply to the {known.kind} field {known.name}",
            field=f"{where}.op",
        )
    if "value" not in raw:
        raise InvalidInput(f"{where}.value is missing", field=f"{where}.value")
    return Condition(known, op, _value(raw["value"], known.kind, op, f"{where}.value"))


def _value(raw: Any, kind: FieldKind, op: Operator, where: str) -> Any:
    if op == Operator.IS_EMPTY:
        if not isinstance(raw, bool):
            raise InvalidInput(f"{where} must be true or false for is_empty", field=where)
        return raw
    if op == Operator.IN:
        if not isinstance(raw, list) or not raw or len(raw) > MAX_IN_VALUES:
            raise InvalidInput(
                f"{where} must be a list of 1 to {MAX_IN_VALUES} values for in", field=where
            )
        return tuple(_scalar(v, kind, f"{where}[{i}]") for i, v in enumerate(raw))
    return _scalar(raw, kind, where)


def _scalar(raw: Any, kind: FieldKind, where: str) -> Any:
    if kind == FieldKind.TEXT and isinstance(raw, str):
        return raw
    if kind == FieldKind.BOOLEAN and isinstance(raw, bool):
        return raw
    if kind == FieldKind.NUMBER and isinstance(raw, int | float | Decimal | str):
        number = _number(raw)
        if number is not None:
            return number
    if kind == FieldKind.MOMENT and isinstance(raw, str):
        try:
            moment = dt.datetime.fromisoformat(raw)
            return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        except (ValueError, OverflowError):
            pass
    if kind == FieldKind.ANY and (raw is None or isinstance(raw, str | bool)):
        return raw
    if kind == FieldKind.ANY and isinstance(raw, int | float | Decimal):
        number = _number(raw)
        if number is not None:
            return number
    raise InvalidInput(f"{where}: {raw!r} is no {kind} value", field=where)


def _number(raw: int | float | Decimal | str) -> Decimal | None:
    """A finite number of at most 18 integer digits as ``Decimal``; None for anything else."""
    if isinstance(raw, bool):
        return None
    try:
        number = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and abs(number) < MAX_NUMBER else None


def to_json(node: Node) -> dict[str, Any]:
    """The filter as JSON again (times as ISO 8601, numbers as ``Decimal``)."""
    if isinstance(node, Group):
        return {"all" if node.all else "any": [to_json(part) for part in node.parts]}
    value = node.value
    if isinstance(value, tuple):
        value = [_plain(v) for v in value]
    return {"field": node.field.name, "op": node.op.value, "value": _plain(value)}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value
