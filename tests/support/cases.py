"""A case type for tests: a claim with an amount, its statuses and transitions."""

from __future__ import annotations

from kontor.casework.cases import CaseType, CaseTypeRegistry

CLAIM = CaseType(
    type_id="claim",
    name="Schadenfall",
    statuses=("reported", "in_review", "settled", "rejected"),
    initial_status="reported",
    transitions={"reported": ("in_review",), "in_review": ("settled", "rejected")},
    data_schema={
        "type": "object",
        "properties": {
            "claim_number": {"type": "string"},
            "amount": {"type": "number", "minimum": 0},
            "insured": {
                "type": "object",
                "properties": {"name": {"type": "string"}},
                "required": ["name"],
            },
        },
        "required": ["claim_number"],
    },
)


def case_types() -> CaseTypeRegistry:
    """The registry a test's Kontor is wired with."""
    return CaseTypeRegistry([CLAIM])


def register(registry: CaseTypeRegistry) -> None:
    """Register the test case type (a ``KONTOR_CASE_TYPE_MODULES`` module, for test servers)."""
    registry.register(CLAIM)
