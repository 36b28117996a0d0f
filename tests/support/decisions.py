"""Small DMN decision tables for hook-point tests, deployed and bound in one step."""

from __future__ import annotations

from collections.abc import Sequence

from kontor.bootstrap import Kontor
from kontor.platform import Principal

RULE_ADMIN_PERMISSIONS = frozenset({"rules:deploy", "rules:bind"})


def decision_table(
    key: str,
    decision: str,
    input_expression: str,
    input_type: str,
    outputs: Sequence[tuple[str, str]],
    rules: Sequence[tuple[str, Sequence[str]]],
) -> bytes:
    """A FIRST-hit table ``decision`` over one input; each rule: (condition, output values)."""
    columns = "".join(
        f'<output id="o{n}" name="{name}" typeRef="{type_ref}"/>'
        for n, (name, type_ref) in enumerate(outputs)
    )
    body = "".join(
        f'<rule id="r{n}"><inputEntry id="i{n}"><text>{condition}</text></inputEntry>'
        + "".join(
            f'<outputEntry id="e{n}_{m}"><text>{value}</text></outputEntry>'
            for m, value in enumerate(values)
        )
        + "</rule>"
        for n, (condition, values) in enumerate(rules)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/"'
        f' id="{key}" name="{key}" namespace="http://kontor.example/{key}">'
        f'<decision id="d_{key}" name="{decision}"><decisionTable id="t" hitPolicy="FIRST">'
        f'<input id="in"><inputExpression id="x" typeRef="{input_type}">'
        f"<text>{input_expression}</text></inputExpression></input>"
        f"{columns}{body}</decisionTable></decision></definitions>"
    ).encode()


def bind(kontor: Kontor, tenant_id: str, hook: str, key: str, decision: str, xml: bytes) -> None:
    """Deploy ``xml`` as model ``key`` and bind its ``decision`` to ``hook`` (as an admin)."""
    admin = Principal("admin", tenant_id, permissions=RULE_ADMIN_PERMISSIONS)
    with kontor.bus.unit_of_work() as uow:
        kontor.rules.deploy(uow, admin, xml, f"{key}.dmn")
        kontor.rules.bind(uow, admin, hook, key, decision)
        uow.commit()
