"""Compiled decision tables: rule bitmasks per column, then the hit policy on the matches."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kontor.rules.dmn.errors import DmnMessage
from kontor.rules.dmn.explain import MatchedRule, TableTrace
from kontor.rules.dmn.hit_policies import apply_hit_policy
from kontor.rules.dmn.table_columns import Column, build_column
from kontor.rules.dmn.typerefs import BuiltinType, DmnType, coerce

if TYPE_CHECKING:
    from kontor.rules.dmn.model import LiteralExpression, TableInput, TableOutput, TableRule

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEYWORDS = frozenset({"true", "false", "null", "not", "and", "or", "if", "for", "some", "every"})
_CONSTANT = re.compile(r'"[^"\\]*"|-?\d+(?:\.\d+)?|true|false|null')
_MISSING = object()
# Python types that conform to a built-in type, for a quick check on the hot path.
_KINDS: dict[str, tuple[type, ...]] = {"number": (Decimal,), "string": (str,), "boolean": (bool,)}

Fetch = Callable[[Mapping[str, Any], list[Any]], Any]


def _fetcher(expression: LiteralExpression) -> Fetch:
    """Input expression evaluator; plain names are read straight from the scope."""
    text = expression.text.strip()
    compiled = expression.compiled
    if compiled is None:
        return lambda scope, warnings: None
    if _PLAIN_NAME.fullmatch(text) and text not in _KEYWORDS:

        def fetch_name(scope: Mapping[str, Any], warnings: list[Any]) -> Any:
            value = scope.get(text, _MISSING)
            return compiled.evaluate(scope, warnings) if value is _MISSING else value

        return fetch_name
    return lambda scope, warnings: compiled.evaluate(scope, warnings)


def _plain_name(expression: LiteralExpression) -> str | None:
    """The name an input expression reads when it is nothing but a name, else None."""
    text = expression.text.strip()
    if expression.compiled is None or text in _KEYWORDS or not _PLAIN_NAME.fullmatch(text):
        return None
    return text


def _quick_kinds(dmn_type: DmnType) -> tuple[type, ...]:
    """Python types that surely conform to `dmn_type` (none known: check the slow way)."""
    return _KINDS.get(dmn_type.name, ()) if isinstance(dmn_type, BuiltinType) else ()


def _constant(text: str) -> tuple[bool, Any]:
    """Fold literal output entries; returns (is_constant, value)."""
    text = text.strip()
    if not _CONSTANT.fullmatch(text):
        return False, None
    if text.startswith('"'):
        return True, text[1:-1]
    if text in ("true", "false"):
        return True, text == "true"
    if text == "null":
        return True, None
    return True, Decimal(text)


class OutputCell:
    """One output entry: a folded constant or a compiled expression."""

    __slots__ = ("compiled", "is_constant", "value")

    def __init__(self, expression: LiteralExpression | None) -> None:
        self.compiled = None if expression is None else expression.compiled
        if expression is None or self.compiled is None:
            self.is_constant, self.value = True, None
        else:
            self.is_constant, self.value = _constant(expression.text)

    def evaluate(self, scope: Mapping[str, Any], warnings: list[Any]) -> Any:
        """Return the entry's value."""
        if self.is_constant or self.compiled is None:
            return self.value
        return self.compiled.evaluate(scope, warnings)


class CompiledTable:
    """Executable form of a decision table, built once at import."""

    def __init__(
        self,
        table_id: str | None,
        hit_policy: str,
        aggregation: str | None,
        inputs: Sequence[TableInput],
        outputs: Sequence[TableOutput],
        rules: Sequence[TableRule],
        owner: str,
        output_types: Sequence[DmnType | None] = (),
        input_types: Sequence[DmnType | None] = (),
    ) -> None:
        self.table_id = table_id
        self.owner = owner
        self.hit_policy = _normalise_policy(hit_policy)
        self.aggregation = aggregation
        self.input_labels = tuple(
            clause.label or clause.expression.text.strip() for clause in inputs
        )
        self.fetchers = tuple(_fetcher(clause.expression) for clause in inputs)
        self.input_names = tuple(_plain_name(clause.expression) for clause in inputs)
        self.typed_inputs = tuple(
            (position, input_type, _quick_kinds(input_type))
            for position, input_type in enumerate(input_types)
            if input_type is not None
        )
        self.input_values_tests = tuple(
            None if clause.input_values is None else clause.input_values.compiled
            for clause in inputs
        )
        self.has_input_values = any(test is not None for test in self.input_values_tests)
        self.output_names = tuple(clause.name or "" for clause in outputs)
        self.single_output = len(outputs) == 1
        self.rule_ids = tuple(rule.id for rule in rules)
        self.rule_outputs = tuple(
            tuple(OutputCell(entry) for entry in rule.outputs) for rule in rules
        )
        self.defaults = tuple(OutputCell(clause.default) for clause in outputs)
        self.has_defaults = any(clause.default is not None for clause in outputs)
        self.priority_lists = tuple(clause.output_values for clause in outputs)
        self.output_values_tests = tuple(
            None if clause.output_values_tests is None else clause.output_values_tests.compiled
            for clause in outputs
        )
        self.output_types = tuple(output_types) or tuple(None for _ in outputs)
        self.checks = any(self.output_types) or any(self.output_values_tests)
        self.all_rules = (1 << len(rules)) - 1
        columns = [
            build_column(
                position,
                [
                    (1 << rule.index, rule.inputs[position].text, rule.inputs[position].compiled)
                    for rule in rules
                ],
            )
            for position in range(len(inputs))
        ]
        # indexed columns are cheap, FEEL columns then only see the surviving rules
        self.columns: tuple[Column, ...] = tuple(
            sorted(columns, key=lambda column: type(column).__name__ == "GenericColumn")
        )

    def evaluate(
        self,
        scope: Mapping[str, Any],
        warnings: list[Any],
        messages: list[DmnMessage],
        traces: list[TableTrace] | None,
    ) -> Any:
        """Evaluate the table in `scope`; problems become null plus a message."""
        values = [fetch(scope, warnings) for fetch in self.fetchers]
        if self.typed_inputs:
            self._conform_inputs(values, messages)
        if self.has_input_values and not self._inputs_allowed(values, scope, warnings, messages):
            if traces is not None:
                traces.append(self._trace(values, (), None))
            return None
        candidates = self.all_rules
        for column in self.columns:
            candidates &= column.mask(values[column.position], scope, warnings, candidates)
            if not candidates:
                break
        result = apply_hit_policy(self, candidates, scope, warnings, messages)
        if traces is not None:
            traces.append(self._trace(values, _bits(candidates), result))
        return result

    def row_value(
        self, index: int, scope: Mapping[str, Any], warnings: list[Any], messages: list[DmnMessage]
    ) -> Any:
        """Output of rule `index`: a value for one output, a context for several."""
        return self.outputs_of(self.rule_outputs[index], scope, warnings, messages)

    def default_value(
        self, scope: Mapping[str, Any], warnings: list[Any], messages: list[DmnMessage]
    ) -> Any:
        """Default output (null unless defaultOutputEntry is given)."""
        if not self.has_defaults:
            return None
        return self.outputs_of(self.defaults, scope, warnings, messages)

    def outputs_of(
        self,
        cells: Sequence[OutputCell],
        scope: Mapping[str, Any],
        warnings: list[Any],
        messages: list[DmnMessage],
    ) -> Any:
        """Values of output `cells`: a value for one output, a context for several."""
        if self.single_output:
            value = cells[0].evaluate(scope, warnings)
            return self._checked(0, value, scope, warnings, messages) if self.checks else value
        result = {}
        for position, (name, cell) in enumerate(zip(self.output_names, cells, strict=True)):
            value = cell.evaluate(scope, warnings)
            if self.checks:
                value = self._checked(position, value, scope, warnings, messages)
            result[name] = value
        return result

    def _checked(
        self,
        position: int,
        value: Any,
        scope: Mapping[str, Any],
        warnings: list[Any],
        messages: list[DmnMessage],
    ) -> Any:
        """Apply the output clause's typeRef and allowed output values (null on violation)."""
        if value is None:
            return None
        output_type = self.output_types[position]
        if output_type is not None:
            value, problem = coerce(output_type, value)
            if problem:
                self.message(messages, f"output '{self.output_names[position]}': {problem}")
                return None
        allowed = self.output_values_tests[position]
        if allowed is not None and allowed.matches(value, scope, warnings) is not True:
            name = self.output_names[position]
            self.message(messages, f"output {name!r} = {value!r} is not an allowed output value")
            return None
        return value

    def _conform_inputs(self, values: list[Any], messages: list[DmnMessage]) -> None:
        """Apply the input expressions' typeRefs: a value of another type becomes null.

        So a catch-all rule does not match a wrong-typed input as if it were of the right type
        without the table saying so; the warning names the input.
        """
        for position, input_type, kinds in self.typed_inputs:
            value = values[position]
            if value is None or type(value) in kinds:
                continue  # conforms: checked without the type's machinery
            value, problem = coerce(input_type, value)
            if problem:
                label = self.input_labels[position]
                messages.append(
                    DmnMessage("warning", f"input '{label}': {problem}; using null", self.owner)
                )
            values[position] = value

    def message(self, messages: list[DmnMessage], text: str) -> None:
        """Record an error on this table."""
        messages.append(DmnMessage("error", text, self.owner))

    def _inputs_allowed(
        self,
        values: list[Any],
        scope: Mapping[str, Any],
        warnings: list[Any],
        messages: list[DmnMessage],
    ) -> bool:
        for label, value, test in zip(
            self.input_labels, values, self.input_values_tests, strict=True
        ):
            if (
                test is not None
                and value is not None
                and test.matches(value, scope, warnings) is not True
            ):
                self.message(
                    messages, f"input '{label}' = {value!r} is not among the allowed input values"
                )
                return False
        return True

    def _trace(self, values: list[Any], matched: Sequence[int], result: Any) -> TableTrace:
        return TableTrace(
            self.owner,
            self.table_id,
            self.hit_policy,
            tuple(zip(self.input_labels, values, strict=True)),
            tuple(MatchedRule(index, self.rule_ids[index]) for index in matched),
            result,
        )


def _bits(mask: int) -> list[int]:
    indexes = []
    while mask:
        low = mask & -mask
        indexes.append(low.bit_length() - 1)
        mask ^= low
    return indexes


_POLICIES = {
    "U": "UNIQUE",
    "A": "ANY",
    "P": "PRIORITY",
    "F": "FIRST",
    "R": "RULE ORDER",
    "O": "OUTPUT ORDER",
    "C": "COLLECT",
    "RULE_ORDER": "RULE ORDER",
    "OUTPUT_ORDER": "OUTPUT ORDER",
}


def _normalise_policy(hit_policy: str) -> str:
    return _POLICIES.get(hit_policy, hit_policy.replace("_", " "))


def compile_table(
    table_id: str | None,
    line: int | None,
    type_ref: str | None,
    hit_policy: str,
    aggregation: str | None,
    output_label: str | None,
    inputs: Sequence[TableInput],
    outputs: Sequence[TableOutput],
    rules: Sequence[TableRule],
    owner: str,
    output_types: Sequence[DmnType | None] = (),
    input_types: Sequence[DmnType | None] = (),
) -> CompiledTable:
    """Build the executable table (signature mirrors the DecisionTable model node)."""
    return CompiledTable(
        table_id, hit_policy, aggregation, inputs, outputs, rules, owner, output_types, input_types
    )


def rule_indexes(mask: int) -> list[int]:
    """Indexes of the set bits of `mask`, ascending (= rule order)."""
    return _bits(mask)
