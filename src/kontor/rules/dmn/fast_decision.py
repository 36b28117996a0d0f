"""Fast path for decision tables that need no FEEL at run time.

A decision whose logic is a decision table over its own input data, whose input columns are
all indexed (string lists, numbers, booleans) and whose outputs are constants, is evaluated
without building an `Evaluation`: the caller's values go straight into the column indexes and
the hit policy picks a result that was computed (with its type checks) when the plan was built.
Any value the plan cannot take as it is (a wrong type, a number beyond decimal128, several
UNIQUE hits) returns None, and the caller takes the general path, so both paths always give the
same result. Asked for an explanation, the plan builds the same one the general path would.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kontor.rules.dmn.decision_table import CompiledTable, OutputCell, rule_indexes
from kontor.rules.dmn.explain import DecisionResult, Explanation, MatchedRule, TableTrace
from kontor.rules.dmn.fast_codegen import SLOW, Explainer, FastPlan, Outcomes, compile_plan
from kontor.rules.dmn.model import Decision, DecisionTable, Definitions, InputData
from kontor.rules.dmn.table_columns import (
    BooleanColumn,
    Column,
    GenericColumn,
    NumberColumn,
    StringColumn,
)
from kontor.rules.dmn.typerefs import ANY, BuiltinType, DmnType

_INDEXED = (StringColumn, NumberColumn, BooleanColumn)
_SLOW = SLOW  # a rule whose result needs the general path
_NO_PLAN = "none"
_PLANS_KEY = "\x00fast"  # cannot collide with the labels the evaluator caches plans under


def fast_plan(model: Definitions, name: str) -> FastPlan | None:
    """The fast evaluator of decision `name` (cached on the model), or None if it has none."""
    plans: dict[str, FastPlan | str] | None = model.plans.get(_PLANS_KEY)
    if plans is None:
        plans = model.plans[_PLANS_KEY] = {}
    plan = plans.get(name)
    if plan is None:
        plan = plans[name] = _build(model, name) or _NO_PLAN
    return None if isinstance(plan, str) else plan


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
    if not all(_indexed(column) for column in table.columns):
        return None
    kinds = _input_kinds(model, decision, table)
    if kinds is None:
        return None
    outcomes = _results(model, decision, table)
    return compile_plan(table, kinds, outcomes, _explainer(decision, table, list(kinds), outcomes))


def _indexed(column: Column) -> bool:
    """Columns answered by lookup; a FEEL column without tests (all "-") matches any value."""
    return isinstance(column, _INDEXED) or (isinstance(column, GenericColumn) and not column.tests)


def _input_kinds(
    model: Definitions, decision: Decision, table: CompiledTable
) -> dict[str, set[str]] | None:
    """Per required input data name, the kinds of value the plan takes as they are.

    A kind is "string", "boolean" or "number"; a value of another kind, or one the table's
    typed input would refuse, takes the general path (which reports the problem).
    """
    kinds: dict[str, set[str]] = {}
    for ref in decision.required_inputs:
        if model.model_for(ref.namespace) is not model:
            return None
        element = model.elements.get(ref.element_id)
        if not isinstance(element, InputData) or element.name in kinds:
            return None
        accepted = _accepted(model.registry.resolve(element.type_ref))
        if accepted is None:
            return None
        kinds[element.name] = accepted
    table_kinds = {position: found for position, _, found in table.typed_inputs}
    for position, name in enumerate(table.input_names):
        if name is None or name not in kinds:
            return None
        if position in table_kinds:
            python_kinds = table_kinds[position]
            kinds[name] &= {kind for kind, types in _PYTHON.items() if types[0] in python_kinds}
    return kinds


_PYTHON: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "number": (Decimal, int, float),
}


def _accepted(input_type: DmnType) -> set[str] | None:
    if input_type is ANY:
        return {"string", "boolean", "number"}
    if isinstance(input_type, BuiltinType) and input_type.name in _PYTHON:
        return {input_type.name}
    return None


def _results(model: Definitions, decision: Decision, table: CompiledTable) -> Outcomes:
    """Per rule its table row and its final decision value, computed once."""
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
    default_row, default = final(table.defaults if table.has_defaults else None)
    return Outcomes(rows, values, default_row, default)


def _explainer(
    decision: Decision, table: CompiledTable, names: list[str], outcomes: Outcomes
) -> Explainer:
    """Build the explanation the general path gives, from what the fast path saw."""
    reads = [names.index(name or "") for name in table.input_names]

    def explained(value: Any, matched: int, seen: tuple[Any, ...]) -> DecisionResult:
        values = [Decimal(raw) if type(raw) is int else raw for raw in seen]
        indexes = rule_indexes(matched)
        row = outcomes.default_row if not indexes else outcomes.rows[indexes[0]]
        trace = TableTrace(
            table.owner,
            table.table_id,
            table.hit_policy,
            tuple(
                (label, values[read]) for label, read in zip(table.input_labels, reads, strict=True)
            ),
            tuple(MatchedRule(index, table.rule_ids[index]) for index in indexes),
            dict(row) if type(row) is dict else row,
        )
        return DecisionResult(value, (), Explanation({decision.name: value}, [trace], []))

    return explained


def disable_fast_plans(model: Definitions) -> None:
    """Evaluate `model` on the general path only (for comparisons in tests and diagnosis)."""
    model.plans[_PLANS_KEY] = _Disabled()


class _Disabled(dict[str, Any]):
    """A plan cache that answers "no plan" for every decision."""

    def get(self, name: str, default: Any = None) -> Any:
        return _NO_PLAN
