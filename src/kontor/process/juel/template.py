"""JUEL templates: text with ``${...}`` / ``#{...}`` parts, parsed once."""

from __future__ import annotations

from dataclasses import dataclass

from kontor.process.juel.ast import Node
from kontor.process.juel.errors import JuelSyntaxError
from kontor.process.juel.parser import parse_expression

MAX_LENGTH = 10_000
"""Longer expression text is refused: nothing in a process model needs more."""


@dataclass(frozen=True)
class JuelTemplate:
    """Parsed template: literal text and expressions in order (a ``str`` part is text)."""

    parts: tuple[str | Node, ...]

    @property
    def single(self) -> Node | None:
        """The expression when the template is exactly one ``${...}`` (its value is not text)."""
        if len(self.parts) == 1 and not isinstance(self.parts[0], str):
            return self.parts[0]
        return None


def looks_like_juel(text: str) -> bool:
    """Whether text contains a ``${`` or ``#{`` expression part."""
    return "${" in text or "#{" in text


def compile_template(text: str) -> JuelTemplate:
    """Parse a template; raise JuelSyntaxError naming what and where."""
    if len(text) > MAX_LENGTH:
        raise JuelSyntaxError(f"expression is longer than {MAX_LENGTH} characters", 0)
    parts: list[str | Node] = []
    literal: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and text[index + 1 : index + 3] in ("${", "#{"):
            literal.append(text[index + 1 : index + 3])
            index += 3
            continue
        if char in "$#" and text[index + 1 : index + 2] == "{":
            end = _closing_brace(text, index + 2)
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(parse_expression(text[index + 2 : end], index + 2))
            index = end + 1
            continue
        literal.append(char)
        index += 1
    if literal:
        parts.append("".join(literal))
    return JuelTemplate(tuple(parts))


def _closing_brace(text: str, index: int) -> int:
    quote: str | None = None
    while index < len(text):
        char = text[index]
        if quote is not None:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "{":
            raise JuelSyntaxError("'{' inside an expression is not supported", index)
        elif char == "}":
            return index
        index += 1
    raise JuelSyntaxError("'${' is not closed by '}'", index)
