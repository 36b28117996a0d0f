"""Deploy-time checks of decision tables: overlapping rules (UNIQUE) and gaps in coverage."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kontor.rules.dmn.model import (
    BusinessKnowledgeModel,
    Conditional,
    Context,
    Decision,
    DecisionTable,
    Definitions,
    Expression,
    Filter,
    FunctionDefinition,
    Invocation,
    ListExpression,
    Relation,
)
from kontor.rules.dmn.model import (
    Iterator as IteratorExpression,
)
from kontor.rules.dmn.simple_tests import Interval, SimpleTests, parse_simple_tests
from kontor.rules.dmn.table_columns import probes_for

MAX_GAPS_PER_TABLE = 10
MAX_GAP_SEARCH_STEPS = 200_000  # bounds the work on wide tables; the search stops quietly


@dataclass(frozen=True)
class CheckWarning:
    """A finding of the deploy-time checks."""

    code: str  # "overlap" | "gap"
    decision: str
    table_id: str | None
    rule_ids: tuple[str, ...]
    message: str

    def __str__(self) -> str:
        return f"{self.code}: decision '{self.decision}': {self.message}"

    def to_json(self) -> dict[str, Any]:
        """The finding as JSON-compatible data."""
        return {
            "code": self.code,
            "decision": self.decision,
            "table": self.table_id,
            "rules": list(self.rule_ids),
            "message": self.message,
        }


@dataclass(frozen=True)
class _Cell:
    """One elementary part of a column's domain: a representative value and a description."""

    probe: Decimal | str | bool
    text: str


def check_model(model: Definitions) -> list[CheckWarning]:
    """Run overlap and gap checks on every decision table of the model."""
    warnings: list[CheckWarning] = []
    for owner, table in _tables(model):
        warnings.extend(check_table(owner, table))
    return warnings


def _tables(model: Definitions) -> Iterator[tuple[str, DecisionTable]]:
    for element in model.elements.values():
        if isinstance(element, Decision | BusinessKnowledgeModel):
            yield from _walk(element.name, element.logic)


def _walk(owner: str, expression: Expression | None) -> Iterator[tuple[str, DecisionTable]]:
    if expression is None:
        return
    if isinstance(expression, DecisionTable):
        yield owner, expression
    elif isinstance(expression, Context):
        for entry in expression.entries:
            yield from _walk(owner, entry.expression)
    elif isinstance(expression, FunctionDefinition):
        yield from _walk(owner, expression.body)
    elif isinstance(expression, Conditional):
        for part in (expression.condition, expression.then, expression.otherwise):
            yield from _walk(owner, part)
    elif isinstance(expression, ListExpression):
        for item in expression.items:
            yield from _walk(owner, item)
    elif isinstance(expression, Relation):
        for row in expression.rows:
            for cell in row:
                yield from _walk(owner, cell)
    elif isinstance(expression, Invocation):
        for binding in expression.bindings:
            yield from _walk(owner, binding.expression)
    elif isinstance(expression, IteratorExpression | Filter):
        yield from _walk(owner, expression.source)


def _column_tests(table: DecisionTable) -> list[list[SimpleTests | None]] | None:
    """Per rule, per column: parsed tests (None = "-"); None if any entry is not simple."""
    parsed: list[list[SimpleTests | None]] = []
    for rule in table.rules:
        row: list[SimpleTests | None] = []
        for entry in rule.inputs:
            if entry.compiled is None:
                row.append(None)
                continue
            tests = parse_simple_tests(entry.text)
            if tests is None:
                return None
            row.append(tests)
        parsed.append(row)
    return parsed


def check_table(owner: str, table: DecisionTable) -> list[CheckWarning]:
    """Check one table; tables with non-simple input entries are skipped."""
    parsed = _column_tests(table)
    if parsed is None:
        return []
    findings: list[CheckWarning] = []
    rule_ids = [rule.id or str(rule.index + 1) for rule in table.rules]
    if table.hit_policy in ("UNIQUE", "U"):
        for first in range(len(parsed)):
            for second in range(first + 1, len(parsed)):
                if all(
                    _intersect(a, b) for a, b in zip(parsed[first], parsed[second], strict=True)
                ):
                    findings.append(
                        CheckWarning(
                            "overlap",
                            owner,
                            table.id,
                            (rule_ids[first], rule_ids[second]),
                            f"rules {rule_ids[first]} and {rule_ids[second]} overlap",
                        )
                    )
    if not any(output.default is not None for output in table.outputs):
        findings.extend(_gaps(owner, table, parsed))
    return findings


def _intersect(a: SimpleTests | None, b: SimpleTests | None) -> bool:
    if a is None or b is None:
        return True
    if a.kind != b.kind:
        return False
    if a.kind != "number":
        return bool(a.values & b.values)
    return any(_intervals_meet(x, y) for x in a.intervals for y in b.intervals)


def _intervals_meet(x: Interval, y: Interval) -> bool:
    low, low_closed = _max_low(x, y)
    high, high_closed = _min_high(x, y)
    if low is None or high is None:
        return True
    return low < high or (low == high and low_closed and high_closed)


def _max_low(x: Interval, y: Interval) -> tuple[Decimal | None, bool]:
    if x.low is None:
        return y.low, y.low_closed
    if y.low is None or x.low > y.low:
        return x.low, x.low_closed
    if y.low > x.low:
        return y.low, y.low_closed
    return x.low, x.low_closed and y.low_closed


def _min_high(x: Interval, y: Interval) -> tuple[Decimal | None, bool]:
    if x.high is None:
        return y.high, y.high_closed
    if y.high is None or x.high < y.high:
        return x.high, x.high_closed
    if y.high < x.high:
        return y.high, y.high_closed
    return x.high, x.high_closed and y.high_closed


def _cells(
    table: DecisionTable, column: int, parsed: list[list[SimpleTests | None]]
) -> list[_Cell]:
    """Elementary cells of a column's domain (input values if given, else what the rules name)."""
    entries = [row[column] for row in parsed if row[column] is not None]
    allowed = table.inputs[column].input_values
    allowed_tests = parse_simple_tests(allowed.text) if allowed is not None else None
    kinds = {tests.kind for tests in entries if tests is not None}
    if allowed_tests is not None:
        kinds.add(allowed_tests.kind)
    if len(kinds) > 1:
        return []
    kind = kinds.pop() if kinds else "any"
    if kind == "any":
        return [_Cell("", "any value")]
    if kind == "boolean":
        return [_Cell(True, "true"), _Cell(False, "false")]
    if kind == "string":
        source = [allowed_tests] if allowed_tests is not None else entries
        names = sorted({str(v) for tests in source if tests is not None for v in tests.values})
        return [_Cell(name, f'"{name}"') for name in names]
    intervals = [i for tests in entries if tests is not None for i in tests.intervals]
    cells = [_Cell(probe, text) for probe, text in probes_for(intervals)]
    if allowed_tests is not None:
        cells = [
            cell
            for cell in cells
            if isinstance(cell.probe, Decimal)
            and any(i.contains(cell.probe) for i in allowed_tests.intervals)
        ]
    return cells


def _covers(tests: SimpleTests | None, cell: _Cell) -> bool:
    if tests is None:
        return True
    if tests.kind == "number":
        return isinstance(cell.probe, Decimal) and any(
            interval.contains(cell.probe) for interval in tests.intervals
        )
    return type(cell.probe) is not Decimal and cell.probe in tests.values


def _gaps(
    owner: str, table: DecisionTable, parsed: list[list[SimpleTests | None]]
) -> list[CheckWarning]:
    columns = [_cells(table, index, parsed) for index in range(len(table.inputs))]
    if any(not cells for cells in columns):
        return []
    labels = [clause.label or clause.expression.text.strip() for clause in table.inputs]
    found: list[CheckWarning] = []

    budget = [MAX_GAP_SEARCH_STEPS]

    def search(column: int, live: Sequence[int], chosen: list[str]) -> None:
        budget[0] -= 1
        if len(found) >= MAX_GAPS_PER_TABLE or budget[0] < 0:
            return
        if any(all(test is None for test in parsed[rule][column:]) for rule in live):
            return  # a live rule accepts anything in the remaining columns: no gap below
        if not live:
            described = ", ".join(chosen) + (", other inputs any" if column < len(columns) else "")
            found.append(CheckWarning("gap", owner, table.id, (), f"no rule covers {described}"))
            return
        if column == len(columns):
            return
        for cell in columns[column]:
            still = [rule for rule in live if _covers(parsed[rule][column], cell)]
            search(column + 1, still, [*chosen, f"{labels[column]} {cell.text}"])

    search(0, list(range(len(parsed))), [])
    return found
