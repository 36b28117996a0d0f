"""Result and explanation objects returned by DMN evaluation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from kontor.rules.dmn.errors import DmnMessage


@dataclass(frozen=True)
class MatchedRule:
    """A rule of a decision table that matched: 0-based index and id."""

    index: int
    rule_id: str | None


@dataclass(frozen=True)
class TableTrace:
    """What one decision table evaluation saw and did."""

    decision: str
    table_id: str | None
    hit_policy: str
    inputs: tuple[tuple[str, Any], ...]  # (input label or expression, value)
    matched: tuple[MatchedRule, ...]
    result: Any


@dataclass
class Explanation:
    """How an evaluation went: decision results in evaluation order, table traces, messages."""

    decisions: dict[str, Any] = field(default_factory=dict)
    tables: list[TableTrace] = field(default_factory=list)
    messages: list[DmnMessage] = field(default_factory=list)

    def to_json(self, *, exact: bool = False) -> dict[str, Any]:
        """Return the explanation as JSON-compatible data (``exact``: numbers stay Decimal)."""
        from kontor.rules.dmn import feel_bridge

        return {
            "decisions": {
                name: feel_bridge.to_json(value, exact=exact)
                for name, value in self.decisions.items()
            },
            "tables": [
                {
                    "decision": trace.decision,
                    "table": trace.table_id,
                    "hitPolicy": trace.hit_policy,
                    "inputs": {
                        label: feel_bridge.to_json(value, exact=exact)
                        for label, value in trace.inputs
                    },
                    "matched": [
                        {"index": rule.index, "ruleId": rule.rule_id} for rule in trace.matched
                    ],
                    "result": feel_bridge.to_json(trace.result, exact=exact),
                }
                for trace in self.tables
            ],
            "messages": [str(message) for message in self.messages],
        }


class DecisionResult(NamedTuple):
    """Value of the requested decision, messages raised while evaluating, optional explanation.

    A named tuple rather than a frozen dataclass: it is built once per evaluation, and a
    tuple is built several times faster (it shows on the decision-table hot path).
    """

    value: Any
    messages: tuple[DmnMessage, ...] = ()
    explanation: Explanation | None = None

    @property
    def has_errors(self) -> bool:
        """Tell whether any error message was produced."""
        return any(message.severity == "error" for message in self.messages)
