"""A deleted broker system's requests leave the insurer's side: running cases end, notices go.

The platform deletes the requests, their protocol and the copies with the broker's rows; what
runs in the insurer's tenant under the requests' ids is ended here, in the same unit of work,
before those rows go: the underwriting case instances are cancelled (with their subscriptions,
jobs and the user tasks of their steps) and the underwriters' notifications about the requests
are removed.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from kontor.apps.portfolio_transfer.messages import (
    TransferStatusChanged,
    UnderwritingCaseStatusChanged,
)
from kontor.apps.portfolio_transfer.status_model import CASE_PROCESS
from kontor.apps.portfolio_transfer.tables import transfer_requests
from kontor.messaging import HandlerRegistry, UnitOfWork
from kontor.platform.notifications import NotificationStore
from kontor.process import CancelInstance, active_instances_by_business_key

ENDED_CASES = "portfolio_transfer_underwriting_cases"
REMOVED_NOTIFICATIONS = "portfolio_transfer_notifications"
REASON = "Maklersystem gelöscht"
NOTIFYING = (TransferStatusChanged.type_name, UnderwritingCaseStatusChanged.type_name)


class BrokerSystemDeletion:
    """Ends the insurer-side work of a deleted broker system's transfer requests."""

    def __init__(self, registry: HandlerRegistry) -> None:
        self.registry = registry

    def __call__(self, uow: UnitOfWork, tenant_ids: list[str]) -> dict[str, int]:
        """Cancel the insurers' running cases of the requests of ``tenant_ids``; counts."""
        ended = removed = 0
        for insurer, request_ids in requests_by_insurer(uow, tenant_ids).items():
            connection = uow.connection
            running = active_instances_by_business_key(
                connection, insurer, CASE_PROCESS, request_ids
            )
            cancel = self.registry.command_handler(CancelInstance.type_name)
            for instance_id in running:  # counted in the deletion's audit entry, not one by one
                cancel(CancelInstance(tenant_id=insurer, instance_id=instance_id, reason=REASON),
                       uow)  # fmt: skip
            ended += len(running)
            store = NotificationStore(connection, insurer)
            removed += store.remove_about(NOTIFYING, "request_id", request_ids)
        return {ENDED_CASES: ended, REMOVED_NOTIFICATIONS: removed}


def requests_by_insurer(uow: UnitOfWork, tenant_ids: list[str]) -> dict[str, list[str]]:
    """The ids of the requests of ``tenant_ids``, by their insurer."""
    r = transfer_requests.c
    rows = uow.connection.execute(
        select(r.insurer_tenant_id, r.request_id)
        .where(r.tenant_id.in_(tenant_ids))
        .order_by(r.request_id)
    )
    found: dict[str, list[str]] = defaultdict(list)
    for insurer, request_id in rows:
        found[insurer].append(request_id)
    return dict(found)
