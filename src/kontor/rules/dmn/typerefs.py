"""DMN types: FEEL built-ins and item definitions, conformance checks and implicit conversions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kontor.rules.dmn import feel_bridge

_NO_SCOPE: Mapping[str, Any] = {}


class DmnType:
    """Base class: a type that tells whether a (non-null) value conforms to it."""

    name: str = "Any"
    is_collection: bool = False

    def conforms(self, value: Any) -> bool:
        """Tell whether the non-null `value` conforms to this type."""
        return True

    def is_instance(self, value: Any) -> bool:
        """FEEL's `instance of` for item definitions: null belongs to no item definition."""
        return value is not None and self.conforms(value)


class AnyType(DmnType):
    """The top type: every value conforms."""


ANY = AnyType()


class BuiltinType(DmnType):
    """A FEEL built-in type such as `number` or `list<string>`."""

    def __init__(self, name: str, feel_type: Any, is_collection: bool = False) -> None:
        self.name = name
        self.feel_type = feel_type
        self.is_collection = is_collection

    def conforms(self, value: Any) -> bool:
        """Delegate to the FEEL type."""
        return bool(self.feel_type.is_instance(value))


class ConstrainedType(DmnType):
    """A base type restricted by unary tests (allowedValues / typeConstraint)."""

    def __init__(self, name: str, base: DmnType, tests: Any) -> None:
        self.name = name
        self.base = base
        self.tests = tests  # CompiledUnaryTests
        self.is_collection = base.is_collection

    def conforms(self, value: Any) -> bool:
        """Base type first, then the tests must match (null match counts as failure)."""
        if not self.base.conforms(value):
            return False
        try:
            return self.tests.matches(value, _NO_SCOPE) is True
        except Exception:  # the constraint itself failed: treat as not allowed
            return False

    def is_instance(self, value: Any) -> bool:
        """FEEL's `instance of` asks for the type only; allowed values do not count (TCK 0070)."""
        return self.base.is_instance(value)


class CollectionType(DmnType):
    """A list whose elements conform to `element`."""

    def __init__(self, name: str, element: DmnType) -> None:
        self.name = name
        self.element = element
        self.is_collection = True

    def conforms(self, value: Any) -> bool:
        """Lists only; null elements are allowed."""
        if not isinstance(value, list):
            return False
        return all(item is None or self.element.conforms(item) for item in value)


class StructureType(DmnType):
    """A context with typed components; every component must be present (extra keys are fine)."""

    def __init__(self, name: str, components: dict[str, DmnType]) -> None:
        self.name = name
        self.components = components

    def conforms(self, value: Any) -> bool:
        """Contexts only; every present component must conform."""
        if not isinstance(value, dict):
            return False
        for key, component in self.components.items():
            if key not in value:
                return False
            item = value[key]
            if item is not None and not component.conforms(item):
                return False
        return True


class FunctionType(DmnType):
    """A function item: any FEEL function value conforms; `output` types its results."""

    def __init__(self, name: str, output: DmnType | None = None) -> None:
        self.name = name
        self.output = output

    def conforms(self, value: Any) -> bool:
        """Functions only."""
        return feel_bridge.is_function(value) and not isinstance(value, (list, dict, str))


def coerce(dmn_type: DmnType, value: Any) -> tuple[Any, str | None]:
    """Apply DMN implicit conversions; return (value, None) or (None, reason) on mismatch."""
    if value is None or dmn_type is ANY:
        return value, None
    if dmn_type.conforms(value):
        return value, None
    singleton = isinstance(value, list) and len(value) == 1 and not dmn_type.is_collection
    if singleton and (value[0] is None or dmn_type.conforms(value[0])):
        # singleton list -> its element (DMN 1.5, 10.3.2.9.4)
        return value[0], None
    if dmn_type.is_collection and not isinstance(value, list) and dmn_type.conforms([value]):
        # element -> singleton list
        return [value], None
    return None, f"value {_short(value)} does not conform to type '{dmn_type.name}'"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_BUILTIN_ALIASES = {
    "dateTime": "date and time",
    "dayTimeDuration": "days and time duration",
    "yearMonthDuration": "years and months duration",
    "decimal": "number",
    "integer": "number",
    "double": "number",
    "int": "number",
    "long": "number",
    "Any": "Any",
}


def builtin_type(text: str) -> DmnType | None:
    """Return the FEEL built-in type for `text`, or None if FEEL does not know it."""
    name = text.strip()
    if ":" in name and not name.startswith(("context", "list", "function", "range")):
        name = name.split(":", 1)[1]  # DMN 1.1 QNames such as feel:number or xsd:string
    name = _BUILTIN_ALIASES.get(name, name)
    if name in ("Any", ""):
        return ANY
    try:
        feel_type = feel_bridge.parse_type(name)
    except Exception:  # FEEL does not know this name: the caller decides
        return None
    if feel_type is None:
        return None
    return BuiltinType(name, feel_type, name.startswith("list<"))
