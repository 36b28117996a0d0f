"""Audit log: every state change through the service layer, chained per tenant and sealed."""

from kontor.platform.audit.chain import Seal
from kontor.platform.audit.entries import ERASE_ACTION, AuditEntry, AuditKey
from kontor.platform.audit.export import export_rows
from kontor.platform.audit.service import AuditLog, AuditPage, SealSchedule, Verification
from kontor.platform.audit.store import AuditQuery, every_entry
from kontor.platform.audit.tables import audit_entries, audit_seals, audit_unsealed
from kontor.platform.audit.verification import Problem

__all__ = [
    "ERASE_ACTION",
    "AuditEntry",
    "AuditKey",
    "AuditLog",
    "AuditPage",
    "AuditQuery",
    "Problem",
    "Seal",
    "SealSchedule",
    "Verification",
    "audit_entries",
    "audit_seals",
    "audit_unsealed",
    "every_entry",
    "export_rows",
]
