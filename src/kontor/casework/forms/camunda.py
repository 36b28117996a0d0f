"""Camunda Forms (form-js JSON as the Camunda Modeler writes it) as a JSON Schema of its data.

Each input component becomes a property under its ``key`` (a dotted key nests); its
``validate`` settings (``required``, ``minLength``, ``maxLength``, ``pattern``, ``min``, ``max``,
``validationType`` email) and its static ``values`` (select, radio, checklist, taglist) become
the schema's checks. Groups without a ``path`` add their fields to the enclosing object; with a
``path`` (and dynamic lists) they nest. Display-only components (text, image, button, …) add
nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kontor.errors import InvalidInput

_TEXT = {"textfield", "textarea", "datetime", "expression"}
_CHOICE = {"select", "radio"}
_MULTI = {"checklist", "taglist"}
_CONTAINERS = {"group", "dynamiclist", "iframe"}
_DISPLAY = {"text", "html", "image", "button", "spacer", "separator", "table", "documentPreview"}
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def schema_of_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON Schema that checks data entered into ``form``; 422 for no form-js JSON."""
    components = form.get("components")
    if form.get("type") != "default" or not isinstance(components, list):
        raise InvalidInput(
            'a Camunda form has "type": "default" and a list of "components"', field="definition"
        )
    schema = _object()
    _add_components(schema, components, "definition.components")
    return schema


def _object() -> dict[str, Any]:
    return {"type": "object", "properties": {}, "required": []}


def _add_components(target: dict[str, Any], components: list[Any], where: str) -> None:
    for index, component in enumerate(components):
        here = f"{where}[{index}]"
        if not isinstance(component, Mapping) or not isinstance(component.get("type"), str):
            raise InvalidInput(f"{here} is no component with a type", field=here)
        kind = component["type"]
        if kind in _DISPLAY:
            continue
        if kind in _CONTAINERS:
            _add_container(target, component, here)
            continue
        key = component.get("key")
        if not isinstance(key, str) or not key:
            raise InvalidInput(f"{here} ({kind}) has no key", field=here)
        required = bool(_validate(component).get("required"))
        _place(target, key.split("."), _field_schema(component, here), required)


def _add_container(target: dict[str, Any], component: Mapping[str, Any], here: str) -> None:
    inner = component.get("components", [])
    if not isinstance(inner, list):
        raise InvalidInput(f"{here}.components must be a list", field=here)
    path = component.get("path")
    if not path:
        _add_components(target, inner, f"{here}.components")
        return
    nested = _object()
    _add_components(nested, inner, f"{here}.components")
    required = bool(nested["required"])  # a group holding a required field must be there
    _tidy(nested)
    if component["type"] == "dynamiclist":
        nested, required = {"type": "array", "items": nested}, False
    _place(target, str(path).split("."), nested, required)


def _place(target: dict[str, Any], path: list[str], schema: dict[str, Any], required: bool) -> None:
    for part in path[:-1]:
        if required and part not in target["required"]:
            target["required"].append(part)
        target = target["properties"].setdefault(part, _object())
    target["properties"][path[-1]] = schema
    if required and path[-1] not in target["required"]:
        target["required"].append(path[-1])


def _tidy(schema: dict[str, Any]) -> None:
    if not schema.get("required"):
        schema.pop("required", None)


def _validate(component: Mapping[str, Any]) -> Mapping[str, Any]:
    checks = component.get("validate")
    return checks if isinstance(checks, Mapping) else {}


def _field_schema(component: Mapping[str, Any], here: str) -> dict[str, Any]:
    kind, checks = component["type"], _validate(component)
    if kind == "number":
        schema: dict[str, Any] = {"type": ["number", "string"] if component.get(
            "serializeToString") else "number"}  # fmt: skip
        _copy(checks, schema, {"min": "minimum", "max": "maximum"}, here)
    elif kind == "checkbox":
        schema = {"type": "boolean"}
    elif kind in _CHOICE:
        schema = _choices(component, {"type": ["string", "number", "boolean"]})
    elif kind in _MULTI:
        schema = {"type": "array", "items": _choices(component, {})}
    else:
        schema = {"type": "string"}
        _copy(checks, schema, {"minLength": "minLength", "maxLength": "maxLength"}, here)
        if checks.get("pattern"):
            schema["pattern"] = _pattern(str(checks["pattern"]), f"{here}.validate.pattern")
        if checks.get("validationType") == "email":
            schema["pattern"] = _EMAIL
    if checks.get("required") and schema.get("type") == "string":
        schema.setdefault("minLength", 1)  # an empty text does not fill a required field
    schema["title"] = str(component.get("label") or component.get("key") or "")
    return schema


def _copy(
    checks: Mapping[str, Any], schema: dict[str, Any], names: dict[str, str], here: str
) -> None:
    for name, keyword in names.items():
        value = checks.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise InvalidInput(f"{here}.validate.{name} must be a number", field=f"{here}.validate")
        schema[keyword] = value


def _pattern(pattern: str, where: str) -> str:
    try:
        re.compile(pattern)
    except re.error as error:
        raise InvalidInput(f"{where} is no regular expression: {error}", field=where) from None
    return pattern


def _choices(component: Mapping[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    values = component.get("values")
    if isinstance(values, list) and values:
        schema = {"enum": [v.get("value") for v in values if isinstance(v, Mapping)]}
    return schema  # valuesKey / valuesExpression: the options come at run time, not checked
