"""Checking data against a form's JSON Schema: each problem with its field path and a German
message (the English one of ``jsonschema`` kept beside it)."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError

from kontor.errors import InvalidInput

MAX_PROBLEMS = 50


@dataclass(frozen=True)
class FieldProblem:
    """One field's problem: where (``body.data.iban``), what rule, in German and English."""

    field: str
    rule: str
    message: str
    detail: str


def check_schema(schema: Any, where: str = "definition") -> None:
    """Refuse what is no valid JSON Schema (draft 2020-12)."""
    if not isinstance(schema, Mapping):
        raise InvalidInput(f"{where} must be a JSON Schema object", field=where)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        path = ".".join(str(p) for p in error.absolute_path)
        raise InvalidInput(
            f"{where} is no valid JSON Schema: {error.message}",
            field=f"{where}.{path}" if path else where,
        ) from None


def problems(
    schema: Mapping[str, Any], data: Mapping[str, Any], prefix: str, loose: bool = False
) -> list[FieldProblem]:
    """What is wrong with ``data``; ``loose`` (a draft) lets required fields stay empty."""
    checked = _without_required(schema) if loose else schema
    validator = Draft202012Validator(checked, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(dict(data)), key=lambda e: list(map(str, e.path)))
    return [_problem(error, prefix) for error in errors[:MAX_PROBLEMS]]


def _without_required(schema: Mapping[str, Any]) -> Any:
    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            node.pop("required", None)
            node.pop("minItems", None)
            for value in node.values():
                strip(value)
        elif isinstance(node, list):
            for value in node:
                strip(value)
        return node

    return strip(copy.deepcopy(dict(schema)))


def _problem(error: ValidationError, prefix: str) -> FieldProblem:
    path = [str(p) for p in error.absolute_path]
    rule = str(error.validator)
    if rule == "required" and isinstance(error.instance, Mapping):
        missing = _missing(error)
        path.append(missing)
    return FieldProblem(".".join([prefix, *path]), rule, _german(error), error.message)


def _missing(error: ValidationError) -> str:
    # one error per missing property; its message names it ('amount' is a required property)
    named = re.match(r"^'(.+)' is a required property$", error.message)
    if named:
        return named.group(1)
    instance: Any = error.instance
    wanted: Any = error.validator_value
    for name in wanted or []:
        if name not in instance:
            return str(name)
    return ""


def _german(error: ValidationError) -> str:
    rule, limit = str(error.validator), _plain(error.validator_value)
    label = error.schema.get("title") if isinstance(error.schema, Mapping) else None
    messages: dict[str, Callable[[], str]] = {
        "required": lambda: "Pflichtfeld: bitte ausfüllen",
        "minLength": lambda: (
            f"mindestens {limit} Zeichen" if limit != 1 else "Pflichtfeld: bitte ausfüllen"
        ),
        "maxLength": lambda: f"höchstens {limit} Zeichen",
        "pattern": lambda: "hat nicht das erwartete Format",
        "minimum": lambda: f"muss mindestens {limit} sein",
        "maximum": lambda: f"darf höchstens {limit} sein",
        "exclusiveMinimum": lambda: f"muss größer als {limit} sein",
        "exclusiveMaximum": lambda: f"muss kleiner als {limit} sein",
        "enum": lambda: "ist keine der erlaubten Auswahlen: " + ", ".join(map(str, limit)),
        "const": lambda: f"muss {limit} sein",
        "type": lambda: f"hat den falschen Typ (erwartet: {_types(limit)})",
        "format": lambda: f"ist kein gültiges Format {limit}",
        "minItems": lambda: f"mindestens {limit} Einträge",
        "maxItems": lambda: f"höchstens {limit} Einträge",
        "additionalProperties": lambda: "enthält Felder, die das Formular nicht kennt",
    }
    message = messages.get(rule, lambda: "ist ungültig")()
    return f"{label}: {message}" if label and rule not in ("required",) else message


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | list | dict) else str(value)


def _types(limit: Any) -> str:
    names = {"string": "Text", "number": "Zahl", "integer": "ganze Zahl", "boolean": "ja/nein",
             "object": "Objekt", "array": "Liste", "null": "leer"}  # fmt: skip
    kinds = limit if isinstance(limit, list) else [limit]
    return " oder ".join(names.get(str(k), str(k)) for k in kinds)
