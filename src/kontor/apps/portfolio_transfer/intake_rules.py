"""The underwriter's intake rules as DMN decision tables: default values and rejection criteria.

*Standardwerte* fill (or overwrite) fields of a forwarded contract; *automatische Ablehnung*
rejects a forwarded contract when every criterion of a criteria set matches. Both are decision
tables the app writes from the browser's form and reads back; an administrator may edit them
as DMN through the rules API (an entry the form cannot show stays as its FEEL text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import escape

from kontor.apps.portfolio_transfer.errors import InvalidTransferInput
from kontor.rules.dmn import load_dmn
from kontor.rules.dmn.model import Decision, DecisionTable

DMN_NS = "https://www.omg.org/spec/DMN/20230324/MODEL/"
DEFAULTS_MODEL = "portfolio_transfer_default_values"
DEFAULTS_DECISION = "standardwerte"
CRITERIA_MODEL = "portfolio_transfer_auto_reject"
CRITERIA_DECISION = "automatische_ablehnung"

FILL_EMPTY, OVERWRITE = "leer", "immer"
"""When a default applies: only to an empty field, or always (overwriting the broker's value)."""

FEEL = "FEEL"
NUMBER_OPERATORS = ("=", "≠", "<", "≤", ">", "≥", FEEL)
TEXT_OPERATORS = ("=", "≠", FEEL)
_FEEL_COMPARISON = {"<": "<", "≤": "<=", ">": ">", "≥": ">="}


@dataclass(frozen=True)
class IntakeField:
    """A field of a forwarded contract the intake rules read (and, if ``settable``, set)."""

    name: str  # the DMN input name
    label: str
    kind: str  # "number" | "string"
    settable: bool


FIELDS: tuple[IntakeField, ...] = (
    IntakeField("Sparte", "Sparte", "string", settable=False),
    IntakeField("Tarifzone", "Tarifzone", "number", settable=True),
    IntakeField("Wohnflaeche", "Wohnfläche (m²)", "number", settable=True),
    IntakeField("Versicherungssumme", "Versicherungssumme (EUR)", "number", settable=True),
    IntakeField("Wert1914", "Wert 1914 (Wohngebäude)", "number", settable=True),
    IntakeField("Gefahren", "Gefahren (Risikotext)", "string", settable=True),
    IntakeField("Vorpraemie", "Vorprämie (EUR)", "number", settable=False),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}
SETTABLE = tuple(f for f in FIELDS if f.settable)
LINES = {"household": "Hausrat", "residential_building": "Wohngebäude"}
"""The lines of business the demo tariff knows, with their German names (``Sparte`` values)."""


@dataclass(frozen=True)
class DefaultValue:
    """A *Standardwert*: ``value`` for ``field`` when it is empty (or always, ``overwrite``)."""

    field: str
    value: str
    overwrite: bool = False
    line: str | None = None  # only for this Sparte; None: every Sparte


@dataclass(frozen=True)
class Criterion:
    """One criterion: ``field`` compared by ``operator`` with ``value``."""

    field: str
    operator: str
    value: str


@dataclass(frozen=True)
class CriteriaSet:
    """A named set of criteria; a contract matching all of them is rejected automatically."""

    name: str
    criteria: tuple[Criterion, ...]


# ------------------------------------------------------------ checking the form's input


def checked_defaults(defaults: Sequence[DefaultValue]) -> list[DefaultValue]:
    """The defaults, or ``InvalidTransferInput`` naming the first bad one and its field."""
    seen: set[tuple[str, str | None]] = set()
    for index, default in enumerate(defaults):
        where = f"defaults[{index}]"
        field = FIELD_BY_NAME.get(default.field)
        if field is None or not field.settable:
            names = ", ".join(f.name for f in SETTABLE)
            raise InvalidTransferInput(
                f"Feld {default.field!r} kann keinen Standardwert haben (möglich: {names})",
                field=f"{where}.field",
            )
        _check_value(field, default.value.strip(), f"{where}.value")
        if default.line is not None and default.line not in LINES:
            raise InvalidTransferInput(f"unbekannte Sparte {default.line!r}", field=f"{where}.line")
        if (default.field, default.line) in seen:
            raise InvalidTransferInput(
                f"Für {field.label} gibt es schon einen Standardwert", field=f"{where}.field"
            )
        seen.add((default.field, default.line))
    return [DefaultValue(d.field, d.value.strip(), d.overwrite, d.line) for d in defaults]


def checked_sets(sets: Sequence[CriteriaSet]) -> list[CriteriaSet]:
    """The criteria sets, or ``InvalidTransferInput`` naming the first bad entry and its field."""
    names: set[str] = set()
    for index, criteria_set in enumerate(sets):
        where = f"sets[{index}]"
        name = criteria_set.name.strip()
        if not name or len(name) > 100:
            raise InvalidTransferInput(
                "Ein Kriteriensatz braucht einen Namen (bis 100 Zeichen)", field=f"{where}.name"
            )
        if name in names:
            raise InvalidTransferInput(
                f"Den Kriteriensatz {name!r} gibt es zweimal", field=f"{where}.name"
            )
        names.add(name)
        if not criteria_set.criteria:
            raise InvalidTransferInput(
                f"Kriteriensatz {name!r} hat kein Kriterium", field=f"{where}.criteria"
            )
        used: set[str] = set()
        for number, criterion in enumerate(criteria_set.criteria):
            at = f"{where}.criteria[{number}]"
            field = FIELD_BY_NAME.get(criterion.field)
            if field is None:
                raise InvalidTransferInput(
                    f"unbekanntes Feld {criterion.field!r}", field=f"{at}.field"
                )
            if criterion.field in used:
                raise InvalidTransferInput(
                    f"{field.label} steht zweimal im Kriteriensatz {name!r}", field=f"{at}.field"
                )
            used.add(criterion.field)
            allowed = NUMBER_OPERATORS if field.kind == "number" else TEXT_OPERATORS
            if criterion.operator not in allowed:
                raise InvalidTransferInput(
                    f"Bedingung {criterion.operator!r} passt nicht zu {field.label} "
                    f"(möglich: {' '.join(allowed)})",
                    field=f"{at}.operator",
                )
            if criterion.operator != FEEL:
                _check_value(field, criterion.value.strip(), f"{at}.value")
            elif not criterion.value.strip():
                raise InvalidTransferInput("Der FEEL-Ausdruck fehlt", field=f"{at}.value")
    return [
        CriteriaSet(
            s.name.strip(),
            tuple(Criterion(c.field, c.operator, c.value.strip()) for c in s.criteria),
        )
        for s in sets
    ]


def _check_value(field: IntakeField, value: str, where: str) -> None:
    if not value:
        raise InvalidTransferInput(f"{field.label}: der Wert fehlt", field=where)
    if len(value) > 200:
        raise InvalidTransferInput(f"{field.label}: der Wert ist zu lang", field=where)
    if field.kind == "number" and number_of(value) is None:
        raise InvalidTransferInput(f"{field.label}: {value!r} ist keine Zahl", field=where)


def number_of(text: str) -> Decimal | None:
    """``text`` as a number (German decimal comma allowed), or None."""
    try:
        number = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# ------------------------------------------------------------ writing the decision tables


def _feel_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _literal(field: IntakeField, value: str) -> str:
    if field.kind == "number":
        return str(number_of(value))
    return _feel_string(value)


def unary_test(criterion: Criterion) -> str:
    """The FEEL unary test of a criterion (``> 300``, ``"household"``, ``not(2)``)."""
    field = FIELD_BY_NAME[criterion.field]
    if criterion.operator == FEEL:
        return criterion.value
    literal = _literal(field, criterion.value)
    if criterion.operator == "=":
        return literal
    if criterion.operator == "≠":
        return f"not({literal})"
    return f"{_FEEL_COMPARISON[criterion.operator]} {literal}"


def _input(name: str, type_ref: str) -> str:
    return (
        f'  <inputData id="in_{name}" name="{name}">'
        f'<variable name="{name}" typeRef="{type_ref}"/></inputData>\n'
    )


def _requirement(name: str) -> str:
    return (
        f'    <informationRequirement id="req_{name}">'
        f'<requiredInput href="#in_{name}"/></informationRequirement>\n'
    )


def _column(name: str, type_ref: str, label: str) -> str:
    return (
        f'      <input id="col_{name}" label="{escape(label)}">'
        f'<inputExpression id="expr_{name}" typeRef="{type_ref}"><text>{name}</text>'
        "</inputExpression></input>\n"
    )


def _entry(tag: str, entry_id: str, text: str) -> str:
    return f'<{tag} id="{entry_id}"><text>{escape(text)}</text></{tag}>'


def defaults_dmn(defaults: Sequence[DefaultValue]) -> bytes:
    """The *Standardwerte* decision table (hit policy COLLECT: every matching row applies)."""
    rules = []
    for index, default in enumerate(defaults, start=1):
        line = "-" if default.line is None else _feel_string(default.line)
        mode = OVERWRITE if default.overwrite else FILL_EMPTY
        rules.append(
            f'      <rule id="r{index}">'
            + _entry("inputEntry", f"r{index}_line", line)
            + _entry("outputEntry", f"r{index}_field", _feel_string(default.field))
            + _entry("outputEntry", f"r{index}_value", _feel_string(default.value))
            + _entry("outputEntry", f"r{index}_mode", _feel_string(mode))
            + "</rule>\n"
        )
    return _definitions(
        DEFAULTS_MODEL, "Standardwerte", DEFAULTS_DECISION, "Standardwerte",
        [("Sparte", "string", "Sparte")],
        '      <output id="out_field" name="Feld" typeRef="string"/>\n'
        '      <output id="out_value" name="Wert" typeRef="string"/>\n'
        '      <output id="out_mode" name="Modus" typeRef="string"/>\n',
        "".join(rules),
    )  # fmt: skip


def criteria_dmn(sets: Sequence[CriteriaSet]) -> bytes:
    """The rejection criteria as a decision table: one row per set, its criteria ANDed."""
    rules = []
    for index, criteria_set in enumerate(sets, start=1):
        by_field = {c.field: c for c in criteria_set.criteria}
        entries = "".join(
            _entry(
                "inputEntry", f"r{index}_{f.name}",
                unary_test(by_field[f.name]) if f.name in by_field else "-",
            )
            for f in FIELDS
        )  # fmt: skip
        rules.append(
            f'      <rule id="r{index}">'
            + entries
            + _entry("outputEntry", f"r{index}_out", _feel_string(criteria_set.name))
            + "</rule>\n"
        )
    return _definitions(
        CRITERIA_MODEL, "Automatische Ablehnung", CRITERIA_DECISION, "Automatische Ablehnung",
        [(f.name, f.kind, f.label) for f in FIELDS],
        '      <output id="out_set" name="Kriteriensatz" typeRef="string"/>\n',
        "".join(rules),
    )  # fmt: skip


def _definitions(
    model: str,
    title: str,
    decision: str,
    decision_name: str,
    inputs: Sequence[tuple[str, str, str]],
    outputs: str,
    rules: str,
) -> bytes:
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<definitions xmlns="{DMN_NS}" id="{model}" name="{escape(title)}" '
        f'namespace="https://kontor.example/apps/portfolio-transfer/{model}">\n'
        + "".join(_input(name, kind) for name, kind, _ in inputs)
        + f'  <decision id="{decision}" name="{decision_name}">\n'
        + "".join(_requirement(name) for name, _, _ in inputs)
        + f'    <decisionTable id="{decision}_table" hitPolicy="COLLECT">\n'
        + "".join(_column(name, kind, label) for name, kind, label in inputs)
        + outputs
        + rules
        + "    </decisionTable>\n  </decision>\n</definitions>\n"
    )
    return text.encode("utf-8")


# ------------------------------------------------------------ reading them back


def _rows(xml: str) -> tuple[list[str], list[tuple[list[str], list[str]]]]:
    """The input expressions and each rule's (input entries, output entries) of the first table."""
    model = load_dmn(xml.encode("utf-8"), file_name="intake.dmn", strict=False)
    table = next(
        (
            element.logic
            for element in model.elements.values()
            if isinstance(element, Decision) and isinstance(element.logic, DecisionTable)
        ),
        None,
    )
    if table is None:
        return [], []
    columns = [column.expression.text.strip() for column in table.inputs]
    rules = [
        ([e.text.strip() for e in rule.inputs], [e.text.strip() for e in rule.outputs])
        for rule in table.rules
    ]
    return columns, rules


def _unquote(text: str) -> str:
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


_COMPARISON = re.compile(r"^(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_STRING = re.compile(r'^"(?:[^"\\]|\\.)*"$')
_OPERATOR_OF = {v: k for k, v in _FEEL_COMPARISON.items()}


def criterion_of(field: str, text: str) -> Criterion:
    """A table entry as the form's criterion; one the form cannot show stays FEEL text."""
    kind = FIELD_BY_NAME[field].kind if field in FIELD_BY_NAME else "string"
    negated = text.startswith("not(") and text.endswith(")")
    inner = text[4:-1].strip() if negated else text
    operator = "≠" if negated else "="
    if kind == "number" and _NUMBER.match(inner):
        return Criterion(field, operator, inner)
    if kind == "string" and _STRING.match(inner):
        return Criterion(field, operator, _unquote(inner))
    compared = _COMPARISON.match(text)
    if kind == "number" and compared:
        return Criterion(field, _OPERATOR_OF[compared.group(1)], compared.group(2))
    return Criterion(field, FEEL, text)


def read_defaults(xml: str) -> list[DefaultValue]:
    """The defaults of a *Standardwerte* table (as written by ``defaults_dmn``)."""
    columns, rules = _rows(xml)
    line_at = columns.index("Sparte") if "Sparte" in columns else None
    defaults = []
    for ins, outs in rules:
        if len(outs) < 3:
            continue
        line = ins[line_at] if line_at is not None and line_at < len(ins) else "-"
        defaults.append(
            DefaultValue(
                _unquote(outs[0]), _unquote(outs[1]), _unquote(outs[2]) == OVERWRITE,
                None if line in ("-", "") else _unquote(line),
            )
        )  # fmt: skip
    return defaults


def read_sets(xml: str) -> list[CriteriaSet]:
    """The criteria sets of an *automatische Ablehnung* table."""
    columns, rules = _rows(xml)
    sets = []
    for ins, outs in rules:
        criteria = tuple(
            criterion_of(column, text)
            for column, text in zip(columns, ins, strict=False)
            if text not in ("-", "")
        )
        sets.append(CriteriaSet(_unquote(outs[0]) if outs else "", criteria))
    return sets
