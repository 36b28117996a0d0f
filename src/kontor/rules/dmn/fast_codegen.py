"""One specialised Python function per fast decision table, generated once per model.

The function's text is assembled only from fixed fragments and numbered identifiers; every value
that comes from the model (input names, string literals, rule masks, number bounds, results) is
handed over in the function's namespace, never spliced into the text. So a tenant's DMN can
change what the function compares against, but not what code runs.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kontor.rules.dmn.decision_table import CompiledTable
from kontor.rules.dmn.explain import DecisionResult
from kontor.rules.dmn.table_columns import BooleanColumn, Column, NumberColumn, StringColumn
from kontor.rules.feel.numbers import to_feel_number

FastPlan = Callable[[Mapping[str, Any], bool], DecisionResult | None]
Explainer = Callable[[Any, int, tuple[Any, ...]], DecisionResult]


@dataclass(frozen=True)
class Outcomes:
    """Per rule the table's row and the decision's final value; the same for no match."""

    rows: list[Any]
    values: list[Any]
    default_row: Any
    default: Any


SLOW = object()  # a result that needs the general path
_EXACT_INTEGERS = 10**34  # integers below 34 digits are decimal128 numbers as they are


def compile_plan(
    table: CompiledTable,
    kinds: dict[str, set[str]],
    outcomes: Outcomes,
    explained: Explainer,
) -> FastPlan:
    """Generate the evaluator: inputs → rule bitmask → hit policy → precomputed result.

    Called with explain=True it hands the result, the matched rules and the input values to
    `explained`, which builds the explanation the general path would give.
    """
    rows, values, default = outcomes.rows, outcomes.values, outcomes.default
    namespace: dict[str, Any] = {
        "every_rule": table.all_rules,
        "bisect_left": bisect_left,
        "to_number": to_feel_number,
        "EXACT": _EXACT_INTEGERS,
        "Decimal": Decimal,
        "SLOW": SLOW,
        "Result": DecisionResult,
        "new_tuple": tuple.__new__,  # DecisionResult without its Python-level __new__
        "NO_MESSAGES": (),
        "values": values,
        "default": default,
        "same_rows": _same_rows_of(rows) if table.hit_policy == "ANY" else None,
        "explained": explained,
    }
    columns_of: dict[str, list[tuple[int, Column]]] = {name: [] for name in kinds}
    for column in table.columns:
        name = table.input_names[column.position]
        assert name is not None  # checked by the caller
        columns_of[name].append((column.position, column))
        _column_values(namespace, column.position, column)
    lines = [
        "def evaluate(inputs, explain=False):",
        "    get = inputs.get",
        "    candidates = every_rule",
    ]
    for number, (name, accepted) in enumerate(kinds.items()):
        namespace[f"name_{number}"] = name
        lines.extend(_input_lines(number, accepted, columns_of[name]))
        lines.append(f"    value_{number} = raw")
    lines.extend(_policy_lines(table.hit_policy))
    if any(type(value) is dict for value in [*values, default]):
        lines.append("    if type(value) is dict:")
        lines.append("        value = dict(value)")  # each caller gets its own context
    lines.append("    if explain:")
    seen = ", ".join(f"value_{number}" for number in range(len(kinds)))
    lines.append(f"        return explained(value, candidates, ({seen},))")
    lines.append("    return new_tuple(Result, (value, NO_MESSAGES, None))")
    code = compile("\n".join(lines) + "\n", "<kontor decision table>", "exec")
    exec(code, namespace)  # noqa: S102 - fixed fragments only, see the module docstring
    evaluate: FastPlan = namespace["evaluate"]
    return evaluate


def _column_values(namespace: dict[str, Any], position: int, column: Column) -> None:
    namespace[f"any_{position}"] = column.any_mask
    if isinstance(column, StringColumn):
        namespace[f"by_value_{position}"] = column.by_value
    elif isinstance(column, BooleanColumn):
        namespace[f"true_{position}"] = column.true_mask
        namespace[f"false_{position}"] = column.false_mask
    elif isinstance(column, NumberColumn):
        namespace[f"bounds_{position}"] = column.bounds
        namespace[f"segments_{position}"] = column.segment_masks
        namespace[f"count_{position}"] = len(column.bounds)


def _input_lines(number: int, accepted: set[str], columns: list[tuple[int, Column]]) -> list[str]:
    """Read one input, check its kind, narrow the candidates by each column reading it."""
    lines = [f"    raw = get(name_{number})", "    kind = type(raw)", "    if raw is None:"]
    lines.extend(_masks(columns, "none"))
    if "string" in accepted:
        lines.append("    elif kind is str:")
        lines.extend(_masks(columns, "string"))
    if "boolean" in accepted:
        lines.append("    elif kind is bool:")
        lines.extend(_masks(columns, "boolean"))
    if "number" in accepted:
        lines.append("    elif kind is int and -EXACT < raw < EXACT:")
        lines.extend(_masks(columns, "number"))
        lines.append("    elif kind is int or kind is Decimal or kind is float:")
        lines.append("        raw = to_number(raw)")
        lines.append("        if raw is None:")
        lines.append("            return None")
        lines.extend(_masks(columns, "number"))
    lines.append("    else:")
    lines.append("        return None")
    return lines


def _masks(columns: list[tuple[int, Column]], kind: str) -> list[str]:
    """Statements narrowing the candidates for a value of `kind` in each column."""
    lines = []
    for position, column in columns:
        if kind == "string" and isinstance(column, StringColumn):
            lines.append(f"        candidates &= by_value_{position}.get(raw, any_{position})")
        elif kind == "boolean" and isinstance(column, BooleanColumn):
            lines.append(f"        candidates &= true_{position} if raw else false_{position}")
        elif kind == "number" and isinstance(column, NumberColumn):
            lines.append(f"        index = bisect_left(bounds_{position}, raw)")
            lines.append(
                f"        if index < count_{position} and bounds_{position}[index] == raw:"
            )
            lines.append(f"            candidates &= segments_{position}[2 * index + 1]")
            lines.append("        else:")
            lines.append(f"            candidates &= segments_{position}[2 * index]")
        else:
            lines.append(f"        candidates &= any_{position}")
    return lines or ["        pass"]


def _policy_lines(policy: str) -> list[str]:
    """FIRST takes the lowest rule; UNIQUE and ANY leave violations to the general path."""
    lines = [
        "    if not candidates:",
        "        value = default",
        "    else:",
        "        first = (candidates & -candidates).bit_length() - 1",
    ]
    if policy == "UNIQUE":
        lines.append("        if candidates & (candidates - 1):")
        lines.append("            return None")
    elif policy == "ANY":
        lines.append("        rest = candidates & (candidates - 1)")
        lines.append("        if rest and not same_rows(first, rest):")
        lines.append("            return None")
    lines.append("        value = values[first]")
    lines.append("    if value is SLOW:")
    lines.append("        return None")
    return lines


def _same_rows_of(rows: list[Any]) -> Callable[[int, int], bool]:
    def same_rows(first: int, rest: int) -> bool:
        """ANY: every further matching rule gives the first one's row."""
        row = rows[first]
        if row is SLOW:
            return False
        while rest:
            index = (rest & -rest).bit_length() - 1
            if rows[index] is SLOW or rows[index] != row:
                return False
            rest &= rest - 1
        return True

    return same_rows
