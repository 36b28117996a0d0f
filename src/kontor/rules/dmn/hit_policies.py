"""Hit policies: turn the set of matching rules into the decision table result."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kontor.rules.dmn.errors import DmnMessage

if TYPE_CHECKING:
    from kontor.rules.dmn.decision_table import CompiledTable

_EMPTY_SCOPE: Mapping[str, Any] = {}


def _indexes(mask: int) -> list[int]:
    indexes = []
    while mask:
        low = mask & -mask
        indexes.append(low.bit_length() - 1)
        mask ^= low
    return indexes


def apply_hit_policy(
    table: CompiledTable,
    matched: int,
    scope: Mapping[str, Any],
    warnings: list[Any],
    messages: list[DmnMessage],
) -> Any:
    """Return the table result for the matched rules (bitmask) under the table's hit policy."""
    policy = table.hit_policy
    if policy == "FIRST":
        if not matched:
            return table.default_value(scope, warnings, messages)
        return table.row_value((matched & -matched).bit_length() - 1, scope, warnings, messages)
    if not matched:
        if policy == "COLLECT" and table.aggregation == "COUNT":
            return Decimal(0)
        if policy in ("COLLECT", "RULE ORDER", "OUTPUT ORDER") and not table.has_defaults:
            return [] if policy != "COLLECT" or table.aggregation is None else None
        return table.default_value(scope, warnings, messages)
    indexes = _indexes(matched)
    if policy == "UNIQUE":
        if len(indexes) > 1:
            table.message(
                messages, f"hit policy UNIQUE violated: rules {_ids(table, indexes)} match"
            )
            return None
        return table.row_value(indexes[0], scope, warnings, messages)
    rows = [table.row_value(index, scope, warnings, messages) for index in indexes]
    if policy == "ANY":
        if any(row != rows[0] for row in rows[1:]):
            table.message(
                messages,
                f"hit policy ANY violated: rules {_ids(table, indexes)} give different outputs",
            )
            return None
        return rows[0]
    if policy == "PRIORITY":
        return _by_priority(table, rows, scope, warnings)[0]
    if policy == "OUTPUT ORDER":
        return _by_priority(table, rows, scope, warnings)
    if policy == "RULE ORDER":
        return rows
    if policy == "COLLECT":
        return _collect(table, rows, messages)
    table.message(messages, f"unknown hit policy {policy!r}")
    return None


def _ids(table: CompiledTable, indexes: list[int]) -> str:
    return ", ".join(table.rule_ids[index] or str(index + 1) for index in indexes)


def _by_priority(
    table: CompiledTable, rows: list[Any], scope: Mapping[str, Any], warnings: list[Any]
) -> list[Any]:
    """Sort rows by the position of their outputs in the output value lists (stable)."""
    ranks = [
        [literal.compiled.evaluate(_EMPTY_SCOPE, warnings) for literal in values]
        for values in table.priority_lists
    ]

    def rank(row: Any) -> tuple[int, ...]:
        outputs = [row] if table.single_output else [row.get(name) for name in table.output_names]
        key = []
        for value, allowed in zip(outputs, ranks, strict=True):
            key.append(allowed.index(value) if value in allowed else len(allowed))
        return tuple(key)

    return sorted(rows, key=rank)


def _collect(table: CompiledTable, rows: list[Any], messages: list[DmnMessage]) -> Any:
    aggregation = table.aggregation
    if aggregation is None:
        return rows
    if not table.single_output:
        table.message(messages, f"aggregation {aggregation} needs a single output")
        return None
    values = [row for row in rows if row is not None]
    if aggregation == "COUNT":
        distinct: list[Any] = []
        for value in values:
            if value not in distinct:
                distinct.append(value)
        return Decimal(len(distinct))
    if not values:
        return None
    try:
        if aggregation == "SUM":
            total = values[0]
            for value in values[1:]:
                total = total + value
            return total
        if aggregation == "MIN":
            return min(values)
        if aggregation == "MAX":
            return max(values)
    except TypeError:
        table.message(messages, f"aggregation {aggregation} over incompatible values")
        return None
    table.message(messages, f"unknown aggregation {aggregation!r}")
    return None
