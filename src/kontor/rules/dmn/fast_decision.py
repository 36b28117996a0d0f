"""Fast path for decision tables that need no FEEL at run time.

A decision whose logic is a decision table over its own input data, whose input columns are
all indexed (string lists, numbers, booleans) and whose outputs are constants, is evaluated
without building an `Evaluation`: the caller's values go straight into the column indexes and
the hit policy picks a result that was computed (with its type checks) when the plan was built.
Any value the plan cannot take as it is (a float, a wrong type, several UNIQUE hits) returns
None, and the caller takes the general path, so both paths always give the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from kontor.rules.dmn.decision_table import CompiledTable, OutputCell
from kontor.rules.dmn.explain import DecisionResult
from kontor.rules.dmn.model import Decision, DecisionTable, Definitions, InputData
from kontor.rules.dmn.table_columns import BooleanColumn, Column, NumberColumn, StringColumn
from kontor.rules.dmn.typerefs import ANY, BuiltinType, DmnType

FastPlan = Callable[[Mapping[str, Any]], DecisionResult | None]

_INDEXED = (StringColumn, NumberColumn, BooleanColumn)
_SLOW = object()  # a rule whose result needs the general path
_EXACT_INTEGERS = 10**34  # integers below 34 digits are decimal128 numbers as they are
_NO_PLAN = "none"
_PLAN_KEY = "\x00fast:"  # cannot collide with the labels the evaluator caches plans under


def fast_plan(model: Definitions, name: str) -> FastPlan | None:
    """The fast evaluator of decision `name` (cached on the model), or None if it has none."""
    key = _PLAN_KEY + name
    plan = model.plans.get(key)
    if plan is None:
        plan = _build(model, name) or _NO_PLAN
        model.plans[key] = plan
    return None if plan is _NO_PLAN else plan  # type: ignore[no-any-return]


def _build(model: Definitions, name: str) -> FastPlan | None:
    decision = model.find(name)
    if not isinstance(decision, Decision) or not isinstance(decision.logic, DecisionTable):
        return None
    if decision.required_decisions or decision.required_knowledge:
        return None
    table = decision.logic.program
    if table.has_input_values or table.hit_policy not in ("FIRST", "UNIQUE", "ANY"):
        return None
    if any(test is not None for test in table.output_values_tests):
        return None  # allowed output values may name inputs: checked per evaluation
    if not decision.required_inputs:
        return None  # the decision reads the caller's raw data: leave it to the general path
    inputs = _input_types(model, decision)
    if inputs is None:
        return None
    readers = _readers(table, inputs)
    if readers is None:
        return None
    results = _results(model, decision, table)
    if results is None:
        return None
    return _plan(table, readers, results)


def _input_types(model: Definitions, decision: Decision) -> dict[str, DmnType] | None:
    """Types of the decision's input data by name (None if one is imported or missing)."""
    types: dict[str, DmnType] = {}
    for ref in decision.required_inputs:
        if model.model_for(ref.namespace) is not model:
            return None
        element = model.elements.get(ref.element_id)
        if not isinstance(element, InputData):
            return None
        types[element.name] = model.registry.resolve(element.type_ref)
    return types


Reader = tuple[str, Callable[[Any], Any], Column]


def _readers(table: CompiledTable, inputs: dict[str, DmnType]) -> list[Reader] | None:
    """Per input column: the input data name, its value converter and its index."""
    table_kinds = {position: kinds for position, _, kinds in table.typed_inputs}
    by_position = {column.position: column for column in table.columns}
    readers: list[Reader] = []
    for position, label in enumerate(table.input_names):
        column = by_position[position]
        if label is None or label not in inputs or not isinstance(column, _INDEXED):
            return None
        if position in table_kinds and not table_kinds[position]:
            return None  # a typed input the quick check cannot confirm
        converter = _converter(inputs[label], table_kinds.get(position))
        if converter is None:
            return None
        readers.append((label, converter, column))
    # indexed columns first, as the general path orders them (same candidates either way)
    order = {column.position: rank for rank, column in enumerate(table.columns)}
    readers.sort(key=lambda reader: order[reader[2].position])
    return readers


def _converter(
    input_type: DmnType, table_kinds: tuple[type, ...] | None
) -> Callable[[Any], Any] | None:
    """How a caller's value becomes the value the table sees, or _SLOW when it cannot quickly."""
    if input_type is ANY:
        allowed: tuple[type, ...] = (str, bool, int)
    elif isinstance(input_type, BuiltinType) and input_type.name == "string":
        allowed = (str,)
    elif isinstance(input_type, BuiltinType) and input_type.name == "boolean":
        allowed = (bool,)
    elif isinstance(input_type, BuiltinType) and input_type.name == "number":
        allowed = (int,)
    else:
        return None
    if table_kinds is not None:
        allowed = tuple(
            kind for kind in allowed if (Decimal if kind is int else kind) in table_kinds
        )
    accepts_int = int in allowed
    others = frozenset(kind for kind in allowed if kind is not int)

    def convert(raw: Any) -> Any:
        if raw is None:
            return None
        kind = type(raw)
        if kind in others:
            return raw
        if accepts_int and kind is int and -_EXACT_INTEGERS < raw < _EXACT_INTEGERS:
            return Decimal(raw)
        return _SLOW

    return convert


def _results(
    model: Definitions, decision: Decision, table: CompiledTable
) -> tuple[list[Any], list[Any], Any] | None:
    """Per rule its table row and its final decision value; the default's value last."""
    from kontor.rules.dmn.evaluator import Evaluation  # the evaluator imports this module

    def final(cells: tuple[OutputCell, ...] | None) -> tuple[Any, Any]:
        if cells is not None and not all(cell.is_constant for cell in cells):
            return _SLOW, _SLOW
        run = Evaluation(model, {})
        row = None if cells is None else table.outputs_of(cells, {}, run.warnings, run.messages)
        value = row
        if decision.logic is not None and decision.logic.type_ref:
            value = run.coerce(model, decision.logic.type_ref, value, "")
        value = run.coerce(model, decision.type_ref, value, "")
        if run.messages or run.warnings:
            return _SLOW, _SLOW
        return row, value

    rows: list[Any] = []
    values: list[Any] = []
    for cells in table.rule_outputs:
        row, value = final(cells)
        rows.append(row)
        values.append(value)
    _, default = final(table.defaults if table.has_defaults else None)
    return rows, values, default


def _plan(
    table: CompiledTable, readers: list[Reader], results: tuple[list[Any], list[Any], Any]
) -> FastPlan:
    rows, values, default = results
    policy = table.hit_policy
    every_rule = table.all_rules
    no_scope: Mapping[str, Any] = {}
    empty: list[Any] = []

    def evaluate(inputs: Mapping[str, Any]) -> DecisionResult | None:
        candidates = every_rule
        for name, convert, column in readers:
            value = convert(inputs.get(name))
            if value is _SLOW:
                return None
            candidates &= column.mask(value, no_scope, empty, candidates)
            if not candidates:
                break
        if not candidates:
            value = default
        else:
            first = (candidates & -candidates).bit_length() - 1
            rest = candidates & (candidates - 1)
            if rest and policy != "FIRST" and not _same_rows(policy, rows, first, rest):
                return None  # UNIQUE or ANY violated: the general path reports it
            value = values[first]
        if value is _SLOW:
            return None
        if type(value) is dict:
            value = dict(value)  # each caller gets its own context
        return DecisionResult(value)

    return evaluate


def _same_rows(policy: str, rows: list[Any], first: int, rest: int) -> bool:
    """ANY: every further matching rule gives the first one's row."""
    if policy != "ANY":
        return False
    row = rows[first]
    if row is _SLOW:
        return False
    while rest:
        index = (rest & -rest).bit_length() - 1
        if rows[index] is _SLOW or rows[index] != row:
            return False
        rest &= rest - 1
    return True
