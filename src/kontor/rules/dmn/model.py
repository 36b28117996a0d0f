"""Immutable DMN model: definitions, DRG elements and boxed expressions (FEEL texts precompiled)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kontor.rules.dmn.decision_table import CompiledTable
    from kontor.rules.dmn.errors import DmnError
    from kontor.rules.dmn.type_registry import TypeRegistry
    from kontor.rules.dmn.typerefs import DmnType


@dataclass(frozen=True)
class Located:
    """Common identity of model nodes: id, source line and a readable label for messages."""

    id: str | None
    line: int | None


# ---------------------------------------------------------------- boxed expressions


@dataclass(frozen=True)
class LiteralExpression(Located):
    """A FEEL text; `compiled` is None for an empty text (evaluates to null)."""

    type_ref: str | None
    text: str
    compiled: Any  # CompiledExpression | None


@dataclass(frozen=True)
class UnaryTestsEntry(Located):
    """One input entry (or allowed-values list) of a decision table."""

    text: str
    compiled: Any  # CompiledUnaryTests | None (None for "-" / empty)


@dataclass(frozen=True)
class TableInput(Located):
    """An input clause: its expression and optional allowed input values."""

    label: str | None
    expression: LiteralExpression
    input_values: UnaryTestsEntry | None


@dataclass(frozen=True)
class TableOutput(Located):
    """An output clause: name, type, allowed output values (priorities) and default."""

    name: str | None
    label: str | None
    type_ref: str | None
    output_values: tuple[LiteralExpression, ...]  # each allowed value as a literal, for priority
    output_values_tests: UnaryTestsEntry | None
    default: LiteralExpression | None


@dataclass(frozen=True)
class TableRule(Located):
    """One rule: input entries and output entries, in clause order."""

    index: int
    inputs: tuple[UnaryTestsEntry, ...]
    outputs: tuple[LiteralExpression, ...]


@dataclass(frozen=True)
class DecisionTable(Located):
    """A decision table with its compiled evaluator."""

    type_ref: str | None
    hit_policy: str
    aggregation: str | None
    output_label: str | None
    inputs: tuple[TableInput, ...]
    outputs: tuple[TableOutput, ...]
    rules: tuple[TableRule, ...]
    program: CompiledTable = field(compare=False, repr=False)


@dataclass(frozen=True)
class ContextEntry(Located):
    """A named entry, or the unnamed final result entry when `name` is None."""

    name: str | None
    type_ref: str | None
    expression: Expression | None


@dataclass(frozen=True)
class Context(Located):
    """A boxed context."""

    type_ref: str | None
    entries: tuple[ContextEntry, ...]


@dataclass(frozen=True)
class Relation(Located):
    """A boxed relation: a list of contexts with the same columns."""

    type_ref: str | None
    columns: tuple[str, ...]
    rows: tuple[tuple[Expression | None, ...], ...]


@dataclass(frozen=True)
class ListExpression(Located):
    """A boxed list."""

    type_ref: str | None
    items: tuple[Expression | None, ...]


@dataclass(frozen=True)
class Binding:
    """A parameter binding of an invocation."""

    parameter: str
    expression: Expression | None


@dataclass(frozen=True)
class Invocation(Located):
    """A boxed invocation of a function (usually a BKM) with named bindings."""

    type_ref: str | None
    callee: Expression
    bindings: tuple[Binding, ...]


@dataclass(frozen=True)
class Parameter:
    """A formal parameter of a function definition or decision service."""

    name: str
    type_ref: str | None


@dataclass(frozen=True)
class FunctionDefinition(Located):
    """A boxed function definition of kind FEEL, or JAVA (listed java.lang methods only)."""

    type_ref: str | None
    kind: str
    parameters: tuple[Parameter, ...]
    body: Expression | None


@dataclass(frozen=True)
class Conditional(Located):
    """A boxed if/then/else."""

    type_ref: str | None
    condition: Expression | None
    then: Expression | None
    otherwise: Expression | None


@dataclass(frozen=True)
class Iterator(Located):
    """A boxed for / some / every."""

    type_ref: str | None
    kind: str  # "for" | "some" | "every"
    variable: str
    source: Expression | None
    body: Expression | None


@dataclass(frozen=True)
class Filter(Located):
    """A boxed filter: items of `source` for which `match` holds (item bound as `item`)."""

    type_ref: str | None
    source: Expression | None
    match: Expression | None


Expression = (
    LiteralExpression
    | DecisionTable
    | Context
    | Relation
    | ListExpression
    | Invocation
    | FunctionDefinition
    | Conditional
    | Iterator
    | Filter
)


# ---------------------------------------------------------------- DRG


@dataclass(frozen=True)
class ItemDefinition(Located):
    """An item definition (simple type with constraints, structure, collection or function)."""

    name: str
    type_ref: str | None
    allowed_values: UnaryTestsEntry | None
    type_constraint: UnaryTestsEntry | None
    components: tuple[ItemDefinition, ...]
    is_collection: bool
    function_item: tuple[tuple[Parameter, ...], str | None] | None


@dataclass(frozen=True)
class Reference:
    """A requirement href, split into namespace ('' = same model) and element id."""

    namespace: str
    element_id: str


@dataclass(frozen=True)
class InputData(Located):
    """An input data node of the DRG."""

    name: str
    type_ref: str | None


@dataclass(frozen=True)
class Decision(Located):
    """A decision with its requirements and decision logic."""

    name: str
    type_ref: str | None
    required_decisions: tuple[Reference, ...]
    required_inputs: tuple[Reference, ...]
    required_knowledge: tuple[Reference, ...]
    logic: Expression | None


@dataclass(frozen=True)
class BusinessKnowledgeModel(Located):
    """A BKM: a function definition plus its own knowledge requirements."""

    name: str
    type_ref: str | None
    required_knowledge: tuple[Reference, ...]
    logic: FunctionDefinition | None


@dataclass(frozen=True)
class DecisionService(Located):
    """A decision service: output, encapsulated and input decisions, input data."""

    name: str
    type_ref: str | None
    output_decisions: tuple[Reference, ...]
    encapsulated_decisions: tuple[Reference, ...]
    input_decisions: tuple[Reference, ...]
    input_data: tuple[Reference, ...]


@dataclass(frozen=True)
class Import:
    """An import of another model by namespace, visible under `name`."""

    name: str
    namespace: str
    import_type: str
    location: str | None


DrgElement = InputData | Decision | BusinessKnowledgeModel | DecisionService


@dataclass(frozen=True)
class Definitions:
    """One DMN model (a `definitions` document), with imported models resolved."""

    id: str | None
    name: str
    namespace: str
    file: str | None
    imports: tuple[Import, ...]
    item_definitions: Mapping[str, ItemDefinition]
    elements: Mapping[str, DrgElement]  # by id
    by_name: Mapping[str, DrgElement]
    imported: Mapping[str, Definitions]  # namespace -> model (transitively available)
    types: Mapping[str, DmnType] = field(compare=False, repr=False)
    registry: TypeRegistry = field(compare=False, repr=False)
    problems: tuple[DmnError, ...] = ()  # FEEL syntax errors kept by a lenient import
    # evaluation plans (resolved requirements) built on first use; not part of the model's value
    plans: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def find(self, name_or_id: str) -> DrgElement | None:
        """Return the DRG element with this id or name, or None."""
        return self.elements.get(name_or_id) or self.by_name.get(name_or_id)

    def decision(self, name_or_id: str) -> Decision | None:
        """Return the decision with this id or name, or None."""
        element = self.find(name_or_id)
        return element if isinstance(element, Decision) else None

    def model_for(self, namespace: str) -> Definitions | None:
        """Return this model ('' or own namespace) or an imported one by namespace."""
        if namespace in ("", self.namespace):
            return self
        return self.imported.get(namespace)

    def import_alias(self, namespace: str) -> str | None:
        """Return the name under which this model imports `namespace`."""
        for imp in self.imports:
            if imp.namespace == namespace:
                return imp.name
        return None
