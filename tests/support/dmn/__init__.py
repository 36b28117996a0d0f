"""Small DMN models the rules tests share, and variants of them."""

from __future__ import annotations

from pathlib import Path

RISK_DMN = Path(__file__).with_name("risk.dmn")
TRIAGE_DMN = Path(__file__).resolve().parents[3].parent / "shared" / "bench" / "dmn" / "triage.dmn"


def risk_xml() -> str:
    """The risk model: 'Risk Class' (UNIQUE table) and 'Premium' (literal expression)."""
    return RISK_DMN.read_text(encoding="utf-8")


def overlapping_risk_xml() -> str:
    """The risk model with overlapping household rules (a deploy-time warning)."""
    return risk_xml().replace("&gt;= 100000", "&gt;= 50000")


def broken_risk_xml() -> str:
    """The risk model with a FEEL syntax error in the premium expression."""
    return risk_xml().replace("then 0.002 else 0.001", "then 0.002 else")
