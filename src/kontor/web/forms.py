"""Forms from JSON Schema: submitted text made typed and checked, German messages per field."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from kontor.web.i18n import Phrase
from kontor.web.views.declarations import FormView


def parse_german_number(text: str) -> Decimal:
    """``1.234,50`` or ``1234.50`` as a Decimal; raises ``ValueError`` for anything else."""
    cleaned = text.strip().replace(" ", "").replace("€", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a number: {text!r}")
    return number


def coerce(form: FormView, submitted: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The submitted fields as typed data, and a German message for each that has no valid type."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, schema in form.schema.get("properties", {}).items():
        kind = schema.get("type")
        text = submitted.get(name, "")
        if kind == "boolean":
            data[name] = text in ("on", "true", "1")
            continue
        if not text.strip():
            continue  # empty: absent (a required field is reported by the schema)
        if kind in ("number", "integer"):
            try:
                number = parse_german_number(text)
            except ValueError:
                errors[name] = "Bitte eine Zahl eingeben."
                continue
            if kind == "integer":
                if number != number.to_integral_value():
                    errors[name] = "Bitte eine ganze Zahl eingeben."
                    continue
                data[name] = int(number)
            else:
                data[name] = number
        else:
            data[name] = text.strip()
    return data, errors


def validation_errors(form: FormView, data: Mapping[str, Any]) -> dict[str, str]:
    """A German message for each field the schema refuses (the first problem of each)."""
    validator = Draft202012Validator(dict(form.schema))
    errors: dict[str, str] = {}
    for error in sorted(validator.iter_errors(dict(data)), key=lambda e: list(e.path)):
        field = _field_of(error)
        errors.setdefault(field, german_message(error))
    return errors


def _field_of(error: ValidationError) -> str:
    if error.validator == "required":
        given: Any = error.instance if isinstance(error.instance, dict) else {}
        declared: Any = error.validator_value
        missing = [n for n in declared if n not in given]
        return str(missing[0]) if missing else ""
    return str(error.path[0]) if error.path else ""


def german_message(error: ValidationError) -> str:
    """What the schema keyword that failed means, in German."""
    value = str(error.validator_value)
    messages = {
        "required": "Pflichtfeld: bitte ausfüllen.",
        "minimum": Phrase("Der Wert muss mindestens {value} sein.", value=value),
        "maximum": Phrase("Der Wert darf höchstens {value} sein.", value=value),
        "exclusiveMinimum": Phrase("Der Wert muss größer als {value} sein.", value=value),
        "exclusiveMaximum": Phrase("Der Wert muss kleiner als {value} sein.", value=value),
        "maxLength": Phrase("Höchstens {value} Zeichen.", value=value),
        "minLength": Phrase("Mindestens {value} Zeichen.", value=value),
        "enum": "Bitte einen der angebotenen Werte wählen.",
        "pattern": "Das Format stimmt nicht.",
        "type": "Der Wert hat nicht die erwartete Art.",
        "format": "Das Format stimmt nicht.",
    }
    return messages.get(str(error.validator), "Der Wert ist ungültig.")
