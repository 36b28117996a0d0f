"""FEEL `instance of` in DMN models knows the model's item definitions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kontor.rules.dmn import Definitions, evaluate_decision

ITEMS = """
<itemDefinition name="tClass"><typeRef>string</typeRef>
  <allowedValues><text>"low", "high"</text></allowedValues></itemDefinition>
<itemDefinition name="tPerson">
  <itemComponent name="name"><typeRef>string</typeRef></itemComponent>
  <itemComponent name="age"><typeRef>number</typeRef></itemComponent>
</itemDefinition>
"""


def _decision(name: str, text: str) -> str:
    return (
        f'<decision id="{name}" name="{name}"><variable name="{name}"/>'
        f"<literalExpression><text>{text}</text></literalExpression></decision>"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{name: "Jörg", age: 51} instance of tPerson', True),
        ('{name: "Jörg"} instance of tPerson', False),
        ('"medium" instance of tClass', True),  # allowed values are not part of the type
        ("42 instance of tClass", False),
        ("null instance of tPerson", False),
    ],
)
def test_instance_of_item_definition(
    build_model: Callable[[str], Definitions], text: str, expected: bool
) -> None:
    model = build_model(ITEMS + _decision("check", text))
    result = evaluate_decision(model, "check")
    assert (result.value, result.messages) == (expected, ())
