"""Syntax tree of the JUEL subset."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Literal:
    """A text, number, boolean or null literal."""

    value: object


@dataclass(frozen=True)
class Identifier:
    """A name resolved against the process variables (``execution`` is the instance)."""

    name: str
    position: int


@dataclass(frozen=True)
class Access:
    """``base.name`` or ``base[index]``: a map entry, a list element or a text character."""

    base: Node
    key: Node


@dataclass(frozen=True)
class MethodCall:
    """``base.name(arguments)``: one of the whitelisted methods."""

    base: Node
    name: str
    arguments: tuple[Node, ...]
    position: int


@dataclass(frozen=True)
class Unary:
    """``-x``, ``not x`` / ``!x`` or ``empty x``."""

    operator: str
    operand: Node


@dataclass(frozen=True)
class Binary:
    """An arithmetic, comparison or logical operation (operators in their symbol form)."""

    operator: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Conditional:
    """``condition ? then : otherwise``."""

    condition: Node
    then: Node
    otherwise: Node


Node = Literal | Identifier | Access | MethodCall | Unary | Binary | Conditional
