"""Process instances as Camunda shows them."""

from __future__ import annotations

from typing import Any

from kontor.process.runtime.state import InstanceStatus
from kontor.process.store import InstanceRecord


def instance_dto(record: InstanceRecord) -> dict[str, Any]:
    """Camunda's ProcessInstanceDto of ``record``."""
    return {
        "id": record.instance_id,
        "definitionId": record.definition_id,
        "definitionKey": record.process_key,
        "businessKey": record.business_key,
        "caseInstanceId": None,
        "ended": record.state.status is not InstanceStatus.ACTIVE,
        "suspended": record.state.suspended,
        "tenantId": record.tenant_id,
        "links": [],
    }
