"""Builds item definitions and DRG elements of one definitions document."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kontor.rules.dmn.errors import DmnError, DmnModelError
from kontor.rules.dmn.expression_builder import ExpressionBuilder
from kontor.rules.dmn.model import (
    BusinessKnowledgeModel,
    Decision,
    DecisionService,
    Definitions,
    DrgElement,
    Import,
    InputData,
    ItemDefinition,
    Parameter,
    Reference,
    UnaryTestsEntry,
)
from kontor.rules.dmn.type_registry import TypeRegistry
from kontor.rules.dmn.typerefs import DmnType
from kontor.rules.dmn.xml_reader import (
    Element,
    child,
    children,
    dmn_children,
    fail,
    label_of,
    line_of,
    local_name,
    text_of,
)

_IGNORED_TOP_LEVEL = frozenset(
    {
        "import",
        "description",
        "extensionElements",
        "knowledgeSource",
        "textAnnotation",
        "association",
        "group",
        "elementCollection",
        "performanceIndicator",
        "organizationUnit",
        "itemDefinition",
    }
)
_DRG_TAGS = frozenset({"inputData", "decision", "businessKnowledgeModel", "decisionService"})


def parse_reference(href: str) -> Reference:
    """Split an href such as '#id' or 'namespace#id'."""
    namespace, _, element_id = href.rpartition("#")
    return Reference(namespace, element_id)


class DrgBuilder:
    """Two passes: index names and item definitions, then compile element logic with scopes."""

    def __init__(
        self,
        root: Element,
        file: str | None,
        namespace: str,
        imports: tuple[Import, ...],
        imported_by_alias: Mapping[str, Definitions],
        problems: list[DmnError] | None = None,
    ) -> None:
        self.problems = problems
        self.root = root
        self.file = file
        self.namespace = namespace
        self.imports = imports
        self.imported_by_alias = imported_by_alias
        self.raw_elements: dict[str, Element] = {}

    # ------------------------------------------------------------ entry point

    def build(self) -> tuple[dict[str, ItemDefinition], TypeRegistry, dict[str, DrgElement]]:
        """Return item definitions, resolved types and DRG elements (by id)."""
        for element in dmn_children(self.root):
            tag = local_name(element)
            if tag in _DRG_TAGS:
                key = element.get("id") or element.get("name") or ""
                self.raw_elements[key] = element
            elif tag not in _IGNORED_TOP_LEVEL:
                raise fail(f"unknown element <{tag}> in definitions", self.file, element)
        item_definitions = {
            item.name: item
            for item in (self._item(element) for element in children(self.root, "itemDefinition"))
        }
        registry = TypeRegistry(
            item_definitions,
            {alias: model.types for alias, model in self.imported_by_alias.items()},
        )
        types: dict[str, DmnType] = dict(registry.all_types())
        for alias, model in self.imported_by_alias.items():
            types.update({f"{alias}.{name}": found for name, found in model.types.items()})
        builder = ExpressionBuilder(
            self.file,
            self._extra_names(item_definitions.values()),
            self.problems,
            registry.resolve,
            types,
        )
        elements: dict[str, DrgElement] = {}
        for key, element in self.raw_elements.items():
            elements[key] = self._element(element, builder)
        return item_definitions, registry, elements

    # ------------------------------------------------------------ item definitions

    def _item(self, element: Element) -> ItemDefinition:
        type_ref = element.get("typeRef")
        if type_ref is None:
            type_ref_element = child(element, "typeRef")  # DMN 1.1 style
            if type_ref_element is not None and type_ref_element.text:
                type_ref = type_ref_element.text.strip()
        function_item = None
        function_element = child(element, "functionItem")
        if function_element is not None:
            function_item = (
                tuple(
                    Parameter(parameter.get("name", ""), parameter.get("typeRef"))
                    for parameter in children(function_element, "parameters")
                ),
                function_element.get("outputTypeRef"),
            )
        return ItemDefinition(
            element.get("id"),
            line_of(element),
            element.get("name", ""),
            type_ref,
            self._constraint(child(element, "allowedValues"), element),
            self._constraint(child(element, "typeConstraint"), element),
            tuple(self._item(component) for component in children(element, "itemComponent")),
            element.get("isCollection", "false") == "true",
            function_item,
        )

    def _constraint(self, element: Element | None, owner: Element) -> UnaryTestsEntry | None:
        if element is None:
            return None
        text = text_of(element)
        builder = ExpressionBuilder(self.file, (), self.problems)
        compiled = builder.compile_tests(text, frozenset(), element, label_of(owner))
        return UnaryTestsEntry(element.get("id"), line_of(element), text, compiled)

    def _extra_names(self, items: Iterable[ItemDefinition]) -> set[str]:
        """Component and imported element names, so FEEL can tokenise paths like `a.first name`."""
        names: set[str] = set()

        def walk(item: ItemDefinition) -> None:
            for component in item.components:
                names.add(component.name)
                walk(component)

        for item in items:
            walk(item)
        for alias, model in self.imported_by_alias.items():
            names.add(alias)
            names.update(element.name for element in model.elements.values())
            for item in model.item_definitions.values():
                walk(item)
        return names

    # ------------------------------------------------------------ DRG elements

    def _element(self, element: Element, builder: ExpressionBuilder) -> DrgElement:
        tag = local_name(element)
        name = element.get("name", "")
        variable = child(element, "variable")
        type_ref = None if variable is None else variable.get("typeRef")
        owner = label_of(element)
        if tag == "inputData":
            return InputData(element.get("id"), line_of(element), name, type_ref)
        if tag == "decision":
            decisions = self._refs(element, "informationRequirement", "requiredDecision")
            inputs = self._refs(element, "informationRequirement", "requiredInput")
            knowledge = self._refs(element, "knowledgeRequirement", "requiredKnowledge")
            names = self._visible_names((*decisions, *inputs, *knowledge), element)
            logic = builder.build_child(element, frozenset(names), owner)
            return Decision(
                element.get("id"),
                line_of(element),
                name,
                type_ref,
                decisions,
                inputs,
                knowledge,
                logic,
            )
        if tag == "businessKnowledgeModel":
            knowledge = self._refs(element, "knowledgeRequirement", "requiredKnowledge")
            names = self._visible_names(knowledge, element) | {name}
            logic_element = child(element, "encapsulatedLogic")
            logic = None
            if logic_element is not None:
                logic = builder.function_definition(logic_element, frozenset(names), owner)
            return BusinessKnowledgeModel(
                element.get("id"), line_of(element), name, type_ref, knowledge, logic
            )
        return DecisionService(
            element.get("id"),
            line_of(element),
            name,
            type_ref,
            self._hrefs(element, "outputDecision"),
            self._hrefs(element, "encapsulatedDecision"),
            self._hrefs(element, "inputDecision"),
            self._hrefs(element, "inputData"),
        )

    def _refs(self, element: Element, requirement: str, kind: str) -> tuple[Reference, ...]:
        found = []
        for item in children(element, requirement):
            for ref in children(item, kind):
                found.append(parse_reference(ref.get("href", "")))
        return tuple(found)

    def _hrefs(self, element: Element, kind: str) -> tuple[Reference, ...]:
        return tuple(parse_reference(ref.get("href", "")) for ref in children(element, kind))

    def _visible_names(self, refs: Iterable[Reference], element: Element) -> set[str]:
        """Names a requirement makes visible: local element names or the import alias."""
        names: set[str] = set()
        for ref in refs:
            if ref.namespace in ("", self.namespace):
                target = self.raw_elements.get(ref.element_id)
                if target is None:
                    raise DmnModelError(
                        f"requirement refers to unknown element '#{ref.element_id}'",
                        file=self.file,
                        line=line_of(element),
                        element=label_of(element),
                    )
                names.add(target.get("name", ""))
            else:
                alias = next(
                    (imp.name for imp in self.imports if imp.namespace == ref.namespace), None
                )
                if alias is None:
                    raise DmnModelError(
                        f"requirement refers to namespace {ref.namespace!r} that is not imported",
                        file=self.file,
                        line=line_of(element),
                        element=label_of(element),
                    )
                names.add(alias)
        return names
