"""Tokens of the JUEL expression language inside ``${...}``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kontor.process.juel.errors import JuelSyntaxError

KEYWORDS = frozenset(
    {
        "and", "or", "not", "eq", "ne", "lt", "gt", "le", "ge", "div", "mod",
        "empty", "true", "false", "null", "instanceof",
    }
)  # fmt: skip
_SYMBOLS = (
    "==", "!=", "<=", ">=", "&&", "||",
    "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",", "(", ")", "[", "]",
)  # fmt: skip
_ESCAPES = {"\\": "\\", "'": "'", '"': '"'}


@dataclass(frozen=True)
class Token:
    """One token: ``kind`` is 'name', 'keyword', 'number', 'string', 'symbol' or 'end'."""

    kind: str
    text: str
    position: int
    value: object = None


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Split the body of one ``${...}`` into tokens; ``offset`` positions them in the template."""
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
            continue
        start = index
        if char.isalpha() or char == "_" or char == "$":
            while index < len(text) and (text[index].isalnum() or text[index] in "_$"):
                index += 1
            word = text[start:index]
            kind = "keyword" if word in KEYWORDS else "name"
            tokens.append(Token(kind, word, offset + start))
        elif char.isdigit() or (char == "." and text[index + 1 : index + 2].isdigit()):
            index = _number_end(text, index)
            literal = text[start:index]
            value: object = Decimal(literal) if any(c in literal for c in ".eE") else int(literal)
            tokens.append(Token("number", literal, offset + start, value))
        elif char in "'\"":
            index, value = _string(text, index, offset)
            tokens.append(Token("string", text[start:index], offset + start, value))
        else:
            symbol = next((s for s in _SYMBOLS if text.startswith(s, index)), None)
            if symbol is None:
                raise JuelSyntaxError(f"unexpected character '{char}'", offset + index)
            index += len(symbol)
            tokens.append(Token("symbol", symbol, offset + start))
    tokens.append(Token("end", "", offset + len(text)))
    return tokens


def _number_end(text: str, index: int) -> int:
    while index < len(text) and text[index].isdigit():
        index += 1
    if index < len(text) and text[index] == "." and text[index + 1 : index + 2].isdigit():
        index += 1
        while index < len(text) and text[index].isdigit():
            index += 1
    if index < len(text) and text[index] in "eE":
        exponent = index + 1
        if exponent < len(text) and text[exponent] in "+-":
            exponent += 1
        if exponent < len(text) and text[exponent].isdigit():
            index = exponent
            while index < len(text) and text[index].isdigit():
                index += 1
    return index


def _string(text: str, index: int, offset: int) -> tuple[int, str]:
    quote = text[index]
    index += 1
    parts: list[str] = []
    while index < len(text):
        char = text[index]
        if char == quote:
            return index + 1, "".join(parts)
        if char == "\\" and index + 1 < len(text) and text[index + 1] in _ESCAPES:
            parts.append(_ESCAPES[text[index + 1]])
            index += 2
            continue
        parts.append(char)
        index += 1
    raise JuelSyntaxError("text literal is not closed", offset + index)
