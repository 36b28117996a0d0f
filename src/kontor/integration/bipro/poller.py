"""Polling a portal access: list the provider's shipments, store each new one once, then
acknowledge it.

The shipment, its documents, business events, the owner's notification and the configured
follow-up (a process or a task) commit together; the acknowledgement is sent only after that
commit. A poll interrupted between the two leaves the shipment stored and unacknowledged: the
provider lists it again, and the next poll acknowledges it without storing it twice (the inbox
is unique per tenant, access and shipment id).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from kontor.errors import Conflict, KontorError
from kontor.integration.bipro.accesses import (
    CREATE_TASK,
    START_PROCESS,
    Access,
    AccessStore,
    requested_polls,
)
from kontor.integration.bipro.client import BiproClient, ClientPolicy, Portal, TokenCache
from kontor.integration.bipro.errors import BiproError
from kontor.integration.bipro.inbox import AlreadyStored, InboxStore
from kontor.integration.bipro.messages import ShipmentReceived
from kontor.integration.bipro.metrics import BiproMetrics
from kontor.integration.bipro.transfer import Shipment
from kontor.messaging import Message, MessageBus, message_class
from kontor.platform import SecretBox

log = logging.getLogger(__name__)


class PollRunning(Conflict):
    """Another poll of the same access is under way."""

    code = "bipro.poll_running"


class PollFailed(KontorError):
    """The provider refused or failed a call; the poll stopped (what was stored stays)."""

    code = "bipro.poll_failed"
    status = 502
    title = "Bad gateway"


@dataclass
class PollResult:
    """What one poll did."""

    access_id: str
    listed: int = 0
    imported: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class PollerPolicy:
    """The client's limits and how long one poll may hold an access."""

    client: ClientPolicy
    lease: dt.timedelta = dt.timedelta(minutes=10)


class InboxPoller:
    """Polls portal accesses into the inbox."""

    def __init__(
        self,
        bus: MessageBus,
        box: SecretBox,
        policy: PollerPolicy,
        metrics: BiproMetrics | None = None,
    ) -> None:
        self._bus = bus
        self._box = box
        self._policy = policy
        self._metrics = metrics
        self.tokens = TokenCache()

    def poll(self, tenant_id: str, access_id: str) -> PollResult:
        """Poll one access now; ``PollRunning`` if another poll holds it, ``PollFailed`` (after
        recording the error on the access) if the provider failed."""
        with self._bus.unit_of_work() as uow:
            store = AccessStore(uow.connection, tenant_id, self._box)
            now = uow.clock.now()
            if not store.lease(access_id, now, now + self._policy.lease):
                raise PollRunning(
                    f"portal access {access_id!r} is being polled", access_id=access_id
                )
            try:
                access, portal = store.portal(access_id)
            except Conflict as refused:  # the password no longer decrypts: record, do not retry
                store.finish_poll(access_id, now, refused.message)
                uow.commit()
                raise
            uow.commit()
        started = time.perf_counter()
        result = PollResult(access_id)
        client = BiproClient(
            portal, self._policy.client, tokens=self.tokens,
            token_key=token_key(tenant_id, access_id, portal),
        )  # fmt: skip
        try:
            with client:
                self._import(client, access, result)
        except BiproError as error:
            result.error = str(error)
        finally:
            self._finish(tenant_id, access_id, result, time.perf_counter() - started)
        log.info(
            "BiPRO poll of %s/%s: %d listed, %d imported, %d acknowledged%s",
            tenant_id, access_id, result.listed, len(result.imported), len(result.acknowledged),
            f"; failed: {result.error}" if result.error else "",
        )  # fmt: skip
        if result.error is not None:
            raise PollFailed(result.error, access_id=access_id, imported=result.imported)
        return result

    def poll_due(self, limit: int = 20) -> int:
        """Run the polls schedules asked for; how many ran."""
        with self._bus.reading() as uow:
            due = requested_polls(uow.connection, uow.clock.now(), limit)
        for tenant_id, access_id in due:
            try:
                self.poll(tenant_id, access_id)
            except KontorError as error:  # running elsewhere, failed, deleted meanwhile
                log.warning("BiPRO poll of %s/%s: %s", tenant_id, access_id, error.message)
        return len(due)

    def _import(self, client: BiproClient, access: Access, result: PollResult) -> None:
        listed = client.list_shipments()
        result.listed = len(listed)
        with self._bus.reading() as uow:
            stored = InboxStore(uow.connection, access.tenant_id).acknowledged(access.access_id)
        for summary in listed:
            if summary.shipment_id not in stored:
                shipment = client.get_shipment(summary.shipment_id)
                if self._store(access, shipment):
                    result.imported.append(shipment.shipment_id)
            client.acknowledge_shipment(summary.shipment_id)  # only after the commit
            with self._bus.unit_of_work() as uow:
                InboxStore(uow.connection, access.tenant_id).mark_acknowledged(
                    access.access_id, summary.shipment_id, uow.clock.now()
                )
                uow.commit()
            result.acknowledged.append(summary.shipment_id)

    def _store(self, access: Access, shipment: Shipment) -> bool:
        """Store a shipment with its notification and follow-up; False if it was there."""
        with self._bus.unit_of_work() as uow:
            try:
                inbox_id = InboxStore(uow.connection, access.tenant_id).add(
                    access.access_id, shipment, uow.clock.now()
                )
            except AlreadyStored:
                return False
            uow.emit(*follow_ups(access, shipment, inbox_id))
            uow.commit()
        if self._metrics is not None:
            self._metrics.shipments.inc()
        return True

    def _finish(self, tenant_id: str, access_id: str, result: PollResult, seconds: float) -> None:
        with self._bus.unit_of_work() as uow:
            AccessStore(uow.connection, tenant_id, self._box).finish_poll(
                access_id, uow.clock.now(), result.error
            )
            uow.commit()
        if self._metrics is not None:
            self._metrics.polls.labels("failed" if result.error else "ok").inc()
            self._metrics.poll_seconds.observe(seconds)


def token_key(tenant_id: str, access_id: str, portal: Portal) -> str:
    """Whose token the cache keeps: the access, as long as its login stays the same."""
    login = "\n".join((portal.sts_url, portal.username, portal.password)).encode("utf-8")
    return f"{tenant_id}/{access_id}/{hashlib.sha256(login).hexdigest()[:16]}"


def follow_ups(access: Access, shipment: Shipment, inbox_id: str) -> list[Message]:
    """The event notifying the owner and, as the access says, a process start or a task."""
    received = ShipmentReceived(
        tenant_id=access.tenant_id, access_id=access.access_id, access_name=access.name,
        insurer=access.insurer, inbox_id=inbox_id, shipment_id=shipment.shipment_id,
        category=shipment.category, owner_id=access.owner_id,
        documents=len(shipment.documents), business_events=len(shipment.events),
    )  # fmt: skip
    described: dict[str, Any] = {
        "inbox_id": inbox_id, "access_id": access.access_id, "insurer": access.insurer,
        "shipment_id": shipment.shipment_id, "category": shipment.category,
        "business_events": [
            {"kind": e.kind, "contract_number": e.contract_number, "text": e.text}
            for e in shipment.events
        ],
        "documents": [d.name for d in shipment.documents],
    }  # fmt: skip
    caused = received.caused()
    if access.on_new == START_PROCESS:
        start = message_class("process.start").model_validate(
            {**caused, "process_key": access.process_key, "variables": {"shipment": described},
             "business_key": shipment.shipment_id}
        )  # fmt: skip
        return [received, start]
    if access.on_new == CREATE_TASK:
        task = message_class("casework.create_task").model_validate(
            {
                **caused,
                "name": f"Posteingang {access.insurer}: Lieferung {shipment.shipment_id}",
                "description": "; ".join(f"{e.kind} {e.contract_number}".strip()
                                         for e in shipment.events) or None,
                "candidate_groups": [access.task_group] if access.task_group else [],
                "assignee": None if access.task_group else access.owner_id,
                "variables": {"shipment": described},
            }
        )  # fmt: skip
        return [received, task]
    return [received]
