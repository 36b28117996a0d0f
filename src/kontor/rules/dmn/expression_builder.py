"""Builds boxed expressions from XML, compiling every FEEL text once with the names in scope."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from kontor.rules.dmn import feel_bridge
from kontor.rules.dmn.decision_table import compile_table
from kontor.rules.dmn.errors import DmnError
from kontor.rules.dmn.feel_texts import FeelCompiler, split_unary_values
from kontor.rules.dmn.model import (
    Binding,
    Conditional,
    Context,
    ContextEntry,
    DecisionTable,
    Expression,
    Filter,
    FunctionDefinition,
    Invocation,
    Iterator,
    ListExpression,
    LiteralExpression,
    Parameter,
    Relation,
    TableInput,
    TableOutput,
    TableRule,
    UnaryTestsEntry,
)
from kontor.rules.dmn.typerefs import ANY, DmnType, FunctionType
from kontor.rules.dmn.xml_reader import (
    Element,
    child,
    children,
    dmn_children,
    fail,
    line_of,
    local_name,
    text_of,
)

EXPRESSION_TAGS = frozenset(
    {
        "literalExpression",
        "decisionTable",
        "context",
        "relation",
        "list",
        "invocation",
        "functionDefinition",
        "conditional",
        "for",
        "some",
        "every",
        "filter",
    }
)
# children that may sit beside a boxed expression; anything else in the DMN namespace is an error
_NON_EXPRESSION_TAGS = frozenset(
    {
        "description",
        "extensionElements",
        "variable",
        "informationRequirement",
        "knowledgeRequirement",
        "authorityRequirement",
        "supportedObjective",
        "impactedPerformanceIndicator",
        "decisionMaker",
        "decisionOwner",
        "usingProcess",
        "usingTask",
        "question",
        "allowedAnswers",
        "binding",
        "formalParameter",
        "parameter",
    }
)


class ExpressionBuilder:
    """Turns expression elements into model nodes; `extra_names` help FEEL tokenise paths."""

    def __init__(
        self,
        file: str | None,
        extra_names: Iterable[str],
        problems: list[DmnError] | None = None,
        resolve_type: Callable[[str], DmnType] | None = None,
        types: Mapping[str, DmnType] | None = None,
    ) -> None:
        self.resolve_type = resolve_type
        self.file = file
        self.feel = FeelCompiler(file, extra_names, problems, types)
        self.compile_feel = self.feel.compile_feel
        self.compile_tests = self.feel.compile_tests

    # ------------------------------------------------------------ FEEL compilation

    # ------------------------------------------------------------ dispatch

    def find_expression(self, parent: Element, owner: str) -> Element | None:
        """Return the single boxed-expression child of `parent` (None if absent)."""
        found = None
        for item in dmn_children(parent):
            tag = local_name(item)
            if tag in EXPRESSION_TAGS:
                if found is None:
                    found = item
            elif tag not in _NON_EXPRESSION_TAGS:
                raise fail(f"unknown element <{tag}>", self.file, item, owner)
        return found

    def build_child(
        self, parent: Element | None, names: frozenset[str], owner: str
    ) -> Expression | None:
        """Build the boxed expression contained in `parent`."""
        if parent is None:
            return None
        element = self.find_expression(parent, owner)
        return None if element is None else self.build(element, names, owner)

    def build(self, element: Element, names: frozenset[str], owner: str) -> Expression:
        """Build one boxed expression element."""
        tag = local_name(element)
        builder = getattr(self, "_build_" + tag.replace("Expression", "_expression"), None)
        if builder is None or tag not in EXPRESSION_TAGS:
            raise fail(f"unknown expression element <{tag}>", self.file, element, owner)
        result: Expression = builder(element, names, owner)
        return result

    def literal(self, element: Element, names: frozenset[str], owner: str) -> LiteralExpression:
        """Build a literal expression (also used for input expressions and output entries)."""
        text = text_of(element)
        return LiteralExpression(
            element.get("id"),
            line_of(element),
            element.get("typeRef"),
            text,
            self.compile_feel(text, names, element, owner),
        )

    def _build_literal_expression(
        self, element: Element, names: frozenset[str], owner: str
    ) -> LiteralExpression:
        return self.literal(element, names, owner)

    # ------------------------------------------------------------ decision table

    def _build_decisionTable(  # noqa: N802 - named after the XML element
        self, element: Element, names: frozenset[str], owner: str
    ) -> DecisionTable:
        inputs = []
        for clause in children(element, "input"):
            expression_element = child(clause, "inputExpression")
            if expression_element is None:
                raise fail("input clause without inputExpression", self.file, clause, owner)
            values_element = child(clause, "inputValues")
            inputs.append(
                TableInput(
                    clause.get("id"),
                    line_of(clause),
                    clause.get("label"),
                    self.literal(expression_element, names, owner),
                    self._unary(values_element, frozenset(), owner),
                )
            )
        outputs = []
        for clause in children(element, "output"):
            values_element = child(clause, "outputValues")
            default_element = child(clause, "defaultOutputEntry")
            outputs.append(
                TableOutput(
                    clause.get("id"),
                    line_of(clause),
                    clause.get("name"),
                    clause.get("label"),
                    clause.get("typeRef"),
                    self._priority_values(values_element, owner),
                    self._unary(values_element, frozenset(), owner),
                    None
                    if default_element is None
                    else self.literal(default_element, names, owner),
                )
            )
        rules = []
        for index, rule in enumerate(children(element, "rule")):
            rule_owner = f"{owner}, rule {rule.get('id') or index + 1}"
            entries = tuple(
                self._unary(entry, names, rule_owner) or _dash(entry)
                for entry in children(rule, "inputEntry")
            )
            results = tuple(
                self.literal(entry, names, rule_owner) for entry in children(rule, "outputEntry")
            )
            if len(entries) != len(inputs) or len(results) != len(outputs):
                raise fail(
                    f"rule has {len(entries)} input / {len(results)} output entries, "
                    f"table has {len(inputs)} / {len(outputs)} clauses",
                    self.file,
                    rule,
                    rule_owner,
                )
            rules.append(TableRule(rule.get("id"), line_of(rule), index, entries, results))
        hit_policy = (element.get("hitPolicy") or "UNIQUE").upper().replace(" ", "_")
        aggregation = element.get("aggregation")
        if not outputs:
            raise fail("decision table without output clause", self.file, element, owner)
        table_args = (
            element.get("id"),
            line_of(element),
            element.get("typeRef"),
            hit_policy,
            aggregation.upper() if aggregation else None,
            element.get("outputLabel"),
            tuple(inputs),
            tuple(outputs),
            tuple(rules),
        )
        output_types = [self._clause_type(clause.type_ref) for clause in outputs]
        input_types = [self._clause_type(clause.expression.type_ref) for clause in inputs]
        program = compile_table(
            *table_args, owner=owner, output_types=output_types, input_types=input_types
        )
        return DecisionTable(*table_args, program=program)

    def _clause_type(self, type_ref: str | None) -> DmnType | None:
        """Type of an input or output clause (None when unchecked: no typeRef, Any, functions)."""
        if not type_ref or self.resolve_type is None:
            return None
        found = self.resolve_type(type_ref)
        return None if found is ANY or isinstance(found, FunctionType) else found

    def _unary(
        self, element: Element | None, names: frozenset[str], owner: str
    ) -> UnaryTestsEntry | None:
        if element is None:
            return None
        text = text_of(element)
        compiled = self.compile_tests(text, names, element, owner)
        if compiled is None:
            return None
        return UnaryTestsEntry(element.get("id"), line_of(element), text, compiled)

    def _priority_values(
        self, element: Element | None, owner: str
    ) -> tuple[LiteralExpression, ...]:
        if element is None:
            return ()
        values = []
        for part in split_unary_values(text_of(element)):
            try:
                compiled = feel_bridge.compile_expression(part, ())
            except Exception:  # not a plain value list (e.g. a range): no priorities
                return ()
            values.append(LiteralExpression(None, line_of(element), None, part, compiled))
        return tuple(values)

    # ------------------------------------------------------------ other boxed expressions

    def _build_context(self, element: Element, names: frozenset[str], owner: str) -> Context:
        entries = []
        scope = names | {
            variable.get("name", "")
            for entry in children(element, "contextEntry")
            if (variable := child(entry, "variable")) is not None
        }
        for entry in children(element, "contextEntry"):
            variable = child(entry, "variable")
            name = None if variable is None else variable.get("name")
            type_ref = None if variable is None else variable.get("typeRef")
            entry_owner = f"{owner}, context entry '{name}'" if name else owner
            entries.append(
                ContextEntry(
                    entry.get("id"),
                    line_of(entry),
                    name,
                    type_ref,
                    self.build_child(entry, scope, entry_owner),
                )
            )
        return Context(element.get("id"), line_of(element), element.get("typeRef"), tuple(entries))

    def _build_relation(self, element: Element, names: frozenset[str], owner: str) -> Relation:
        columns = tuple(column.get("name", "") for column in children(element, "column"))
        rows = []
        for row in children(element, "row"):
            cells = tuple(
                self.build(cell, names, owner)
                for cell in dmn_children(row)
                if local_name(cell) in EXPRESSION_TAGS
            )
            if len(cells) != len(columns):
                raise fail(
                    f"row has {len(cells)} cells for {len(columns)} columns", self.file, row, owner
                )
            rows.append(cells)
        return Relation(
            element.get("id"), line_of(element), element.get("typeRef"), columns, tuple(rows)
        )

    def _build_list(self, element: Element, names: frozenset[str], owner: str) -> ListExpression:
        items = tuple(
            self.build(item, names, owner)
            for item in dmn_children(element)
            if local_name(item) in EXPRESSION_TAGS
        )
        return ListExpression(element.get("id"), line_of(element), element.get("typeRef"), items)

    def _build_invocation(self, element: Element, names: frozenset[str], owner: str) -> Invocation:
        callee_element = self.find_expression(element, owner)
        if callee_element is None:
            raise fail("invocation without called function", self.file, element, owner)
        callee = self.build(callee_element, names, owner)
        bindings = []
        for binding in children(element, "binding"):
            parameter = child(binding, "parameter")
            if parameter is None:
                raise fail("binding without parameter", self.file, binding, owner)
            bindings.append(
                Binding(parameter.get("name", ""), self.build_child(binding, names, owner))
            )
        return Invocation(
            element.get("id"), line_of(element), element.get("typeRef"), callee, tuple(bindings)
        )

    def _build_functionDefinition(  # noqa: N802 - named after the XML element
        self, element: Element, names: frozenset[str], owner: str
    ) -> FunctionDefinition:
        return self.function_definition(element, names, owner)

    def function_definition(
        self, element: Element, names: frozenset[str], owner: str
    ) -> FunctionDefinition:
        """Build a function definition (also BKM encapsulatedLogic)."""
        parameters = tuple(
            Parameter(parameter.get("name", ""), parameter.get("typeRef"))
            for parameter in children(element, "formalParameter")
        )
        kind = (element.get("kind") or "FEEL").upper()
        inner = names | {parameter.name for parameter in parameters}
        # A Java function's body is a context naming class and method; it sees no parameters.
        body = None
        if kind == "FEEL":
            body = self.build_child(element, inner, owner)
        elif kind == "JAVA":
            body = self.build_child(element, names, owner)
        return FunctionDefinition(
            element.get("id"), line_of(element), element.get("typeRef"), kind, parameters, body
        )

    def _build_conditional(
        self, element: Element, names: frozenset[str], owner: str
    ) -> Conditional:
        return Conditional(
            element.get("id"),
            line_of(element),
            element.get("typeRef"),
            self.build_child(child(element, "if"), names, owner),
            self.build_child(child(element, "then"), names, owner),
            self.build_child(child(element, "else"), names, owner),
        )

    def _iterator(self, element: Element, names: frozenset[str], owner: str, kind: str) -> Iterator:
        variable = element.get("iteratorVariable", "")
        body_tag = "return" if kind == "for" else "satisfies"
        return Iterator(
            element.get("id"),
            line_of(element),
            element.get("typeRef"),
            kind,
            variable,
            self.build_child(child(element, "in"), names, owner),
            self.build_child(child(element, body_tag), names | {variable}, owner),
        )

    def _build_for(self, element: Element, names: frozenset[str], owner: str) -> Iterator:
        return self._iterator(element, names, owner, "for")

    def _build_some(self, element: Element, names: frozenset[str], owner: str) -> Iterator:
        return self._iterator(element, names, owner, "some")

    def _build_every(self, element: Element, names: frozenset[str], owner: str) -> Iterator:
        return self._iterator(element, names, owner, "every")

    def _build_filter(self, element: Element, names: frozenset[str], owner: str) -> Filter:
        return Filter(
            element.get("id"),
            line_of(element),
            element.get("typeRef"),
            self.build_child(child(element, "in"), names, owner),
            self.build_child(child(element, "match"), names | {"item"}, owner),
        )


def _dash(entry: Element) -> UnaryTestsEntry:
    """An input entry that matches anything ("-" or empty)."""
    return UnaryTestsEntry(entry.get("id"), line_of(entry), text_of(entry), None)
