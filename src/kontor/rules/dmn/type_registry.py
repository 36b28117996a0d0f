"""Resolution of typeRef names to DmnType objects (item definitions, imports, FEEL built-ins)."""

from __future__ import annotations

from collections.abc import Mapping

from kontor.rules.dmn.model import ItemDefinition
from kontor.rules.dmn.typerefs import (
    ANY,
    CollectionType,
    ConstrainedType,
    DmnType,
    FunctionType,
    StructureType,
    builtin_type,
)


class TypeRegistry:
    """Resolves typeRefs of one model; item definitions are built on first use."""

    def __init__(
        self,
        item_definitions: Mapping[str, ItemDefinition],
        imported: Mapping[str, Mapping[str, DmnType]],
    ) -> None:
        self._definitions = item_definitions
        self._imported = imported
        self._resolved: dict[str, DmnType] = {}
        self._by_ref: dict[str, DmnType] = {}  # typeRef text as written -> type
        self._in_progress: set[str] = set()
        self.unknown: list[str] = []

    def resolve(self, type_ref: str | None) -> DmnType:
        """Return the type for `type_ref` (Any for none or unknown names)."""
        if not type_ref:
            return ANY
        known = self._by_ref.get(type_ref)
        if known is not None:
            return known  # the hot path: a typeRef text seen before
        name = type_ref.strip()
        prefix, colon, local = name.partition(":")
        if colon and local in self._definitions and " " not in prefix:
            name = local  # DMN 1.1 QName such as tns:tPerson
        if name in self._resolved:
            self._by_ref[type_ref] = self._resolved[name]
            return self._resolved[name]
        if name in self._definitions:
            if name in self._in_progress:  # recursive type: stop checking at the cycle
                return ANY
            self._in_progress.add(name)
            try:
                result = self._build(self._definitions[name])
            finally:
                self._in_progress.discard(name)
        else:
            result = self._resolve_external(name)
        self._resolved[name] = result
        self._by_ref[type_ref] = result
        return result

    def all_types(self) -> dict[str, DmnType]:
        """Resolve every item definition and return them by name."""
        for name in self._definitions:
            self.resolve(name)
        return {name: self._resolved[name] for name in self._definitions}

    def _resolve_external(self, name: str) -> DmnType:
        if "." in name:
            alias, _, local = name.rpartition(".")
            types = self._imported.get(alias)
            if types is not None and local in types:
                return types[local]
        found = builtin_type(name)
        if found is None:
            self.unknown.append(name)
            return ANY
        return found

    def build_item(self, item: ItemDefinition) -> DmnType:
        """Build the type of an (anonymous or named) item definition."""
        return self._build(item)

    def _build(self, item: ItemDefinition) -> DmnType:
        base: DmnType
        if item.components:
            base = StructureType(item.name, {c.name: self._build(c) for c in item.components})
        elif item.function_item is not None:
            output_ref = item.function_item[1]
            base = FunctionType(
                item.name or "function", self.resolve(output_ref) if output_ref else None
            )
        else:
            base = self.resolve(item.type_ref)
        if item.allowed_values is not None and item.allowed_values.compiled is not None:
            base = ConstrainedType(item.name, base, item.allowed_values.compiled)
        if item.is_collection:
            base = CollectionType(item.name, base)
        if item.type_constraint is not None and item.type_constraint.compiled is not None:
            base = ConstrainedType(item.name, base, item.type_constraint.compiled)
        return base
