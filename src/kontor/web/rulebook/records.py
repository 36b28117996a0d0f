"""Decision records as the rules pages read them: one record of the caller's tenant by id."""

from __future__ import annotations

from sqlalchemy import Connection, select

from kontor.rules.deployment import DecisionRecord
from kontor.rules.deployment.tables import rule_decision_records


def decision_record(
    connection: Connection, tenant_id: str, record_id: str
) -> DecisionRecord | None:
    """The tenant's decision record ``record_id``, or None (also for another tenant's)."""
    table = rule_decision_records
    row = connection.execute(
        select(table).where(table.c.tenant_id == tenant_id, table.c.record_id == record_id)
    ).one_or_none()
    return None if row is None else DecisionRecord(**row._asdict())


def matched_rules(record: DecisionRecord) -> dict[str, list[str]]:
    """The ids of the rules that matched, per decision table of the record's explanation."""
    matched: dict[str, list[str]] = {}
    for table in record.explanation.get("tables", []):
        ids = [str(rule.get("ruleId")) for rule in table.get("matched", []) if rule.get("ruleId")]
        matched.setdefault(str(table.get("decision")), []).extend(ids)
    return matched
