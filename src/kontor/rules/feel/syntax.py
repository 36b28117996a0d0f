"""Abstract syntax tree of FEEL expressions and unary tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kontor.rules.feel.typesystem import FeelType


@dataclass(slots=True)
class Node:
    """Base of all syntax nodes; `offset` points into the source text."""

    offset: int = field(default=0, kw_only=True)


@dataclass(slots=True)
class Literal(Node):
    """A constant value (number, string, boolean, null, temporal literal)."""

    value: Any


@dataclass(slots=True)
class Name(Node):
    """A variable or function name."""

    name: str


@dataclass(slots=True)
class InputValue(Node):
    """`?`: the value a unary test is applied to."""


@dataclass(slots=True)
class Path(Node):
    """`base.member`."""

    base: Node
    member: str


@dataclass(slots=True)
class Filter(Node):
    """`base[condition]`: boolean filter or 1-based index."""

    base: Node
    condition: Node


@dataclass(slots=True)
class Call(Node):
    """Function invocation with positional (`names` None) or named arguments."""

    callee: Node
    arguments: list[Node]
    names: list[str] | None


@dataclass(slots=True)
class Binary(Node):
    """Arithmetic or comparison operator: + - * / ** = != < <= > >=."""

    operator: str
    left: Node
    right: Node


@dataclass(slots=True)
class Logical(Node):
    """`and` / `or` with three-valued logic."""

    operator: str
    left: Node
    right: Node


@dataclass(slots=True)
class Negation(Node):
    """Arithmetic negation `-x`."""

    operand: Node


@dataclass(slots=True)
class Between(Node):
    """`value between low and high`."""

    value: Node
    low: Node
    high: Node


@dataclass(slots=True)
class In(Node):
    """`value in tests`: true when any positive unary test matches."""

    value: Node
    tests: list[Node]


@dataclass(slots=True)
class UnaryComparison(Node):
    """A simple positive unary test such as `< 10` (operator applied to the input)."""

    operator: str
    endpoint: Node


@dataclass(slots=True)
class InstanceOf(Node):
    """`value instance of type`."""

    value: Node
    type: FeelType


@dataclass(slots=True)
class Interval(Node):
    """Range literal `[a..b]`; a missing bound (None) is open.

    `operator` is "=" or "!=" for the ranges `(=a)` and `(!=a)` (both bounds are `a`).
    """

    start: Node | None
    end: Node | None
    start_included: bool
    end_included: bool
    operator: str | None = None


@dataclass(slots=True)
class ListNode(Node):
    """`[a, b, c]`."""

    items: list[Node]


@dataclass(slots=True)
class ContextNode(Node):
    """`{key: value, ...}`; later entries may refer to earlier ones."""

    entries: list[tuple[str, Node]]


@dataclass(slots=True)
class If(Node):
    """`if condition then a else b`."""

    condition: Node
    then: Node
    otherwise: Node


@dataclass(slots=True)
class Iteration:
    """One `name in source` (or `name in start..end`) of a for or quantified expression."""

    name: str
    source: Node
    end: Node | None = None


@dataclass(slots=True)
class For(Node):
    """`for x in xs, y in ys return body`."""

    iterations: list[Iteration]
    body: Node


@dataclass(slots=True)
class Quantified(Node):
    """`some|every x in xs satisfies condition`."""

    quantifier: str
    iterations: list[Iteration]
    condition: Node


@dataclass(slots=True)
class FunctionDefinition(Node):
    """`function(a, b) body`; an external one names a Java method (see java_methods)."""

    parameters: list[str]
    body: Node
    external: bool = False
    parameter_types: list[FeelType | None] = field(default_factory=list)


@dataclass(slots=True)
class UnaryTests(Node):
    """Top level of unary tests: a list of positive tests, maybe negated, or `-` (any)."""

    tests: list[Node]
    negated: bool = False
    any_value: bool = False
