"""The BiPRO inbox as the API and the command line use it: accesses with their poll schedules,
the scheduled poll command, and whom a new shipment notifies."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from kontor.errors import NotFound
from kontor.integration.bipro.accesses import Access, AccessDraft, AccessStore
from kontor.integration.bipro.messages import PollPortalAccess, ShipmentReceived
from kontor.integration.bipro.poller import InboxPoller
from kontor.integration.scheduler import CreateSchedule, DeleteSchedule, Scheduler
from kontor.messaging import HandlerRegistry, UnitOfWork
from kontor.platform import SecretBox
from kontor.platform.notifications import NamedUser, Notice, NotificationRules


def schedule_id_of(access_id: str) -> str:
    """The id of the schedule that polls an access."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bipro-portal-access:{access_id}"))


@dataclass
class BiproInbox:
    """Portal accesses, their schedules and the poller."""

    box: SecretBox
    poller: InboxPoller
    scheduler: Scheduler | None = None

    def accesses(self, uow: UnitOfWork, tenant_id: str) -> AccessStore:
        """The access store of ``tenant_id`` on ``uow``."""
        return AccessStore(uow.connection, tenant_id, self.box)

    def create(self, uow: UnitOfWork, tenant_id: str, draft: AccessDraft, owner_id: str) -> Access:
        """Store an access and the schedule that polls it."""
        access = self.accesses(uow, tenant_id).create(draft, owner_id, uow.clock.now())
        self._schedule(uow, access)
        return access

    def update(
        self, uow: UnitOfWork, tenant_id: str, access_id: str, changes: dict[str, Any]
    ) -> Access:
        """Change an access; a new rhythm replaces its schedule."""
        before = self.accesses(uow, tenant_id).get(access_id)
        access = self.accesses(uow, tenant_id).update(access_id, changes, uow.clock.now())
        if access.poll_cron != before.poll_cron:
            self._unschedule(uow, access)
            self._schedule(uow, access)
        return access

    def delete(self, uow: UnitOfWork, tenant_id: str, access_id: str) -> None:
        """Delete an access and its schedule."""
        access = self.accesses(uow, tenant_id).get(access_id)
        self._unschedule(uow, access)
        self.accesses(uow, tenant_id).delete(access_id)

    def request_poll(self, command: PollPortalAccess, uow: UnitOfWork) -> None:
        """Handle the scheduled command: the background poller takes the access next."""
        try:
            self.accesses(uow, command.tenant_id).request_poll(command.access_id, uow.clock.now())
        except NotFound:
            return  # deleted since the schedule fired

    def _schedule(self, uow: UnitOfWork, access: Access) -> None:
        if self.scheduler is None:
            return
        self.scheduler.create(
            CreateSchedule(
                tenant_id=access.tenant_id, actor=access.owner_id,
                schedule_id=schedule_id_of(access.access_id),
                name=f"BiPRO-Abruf {access.access_id}", cron=access.poll_cron,
                command_type=PollPortalAccess.type_name,
                command_payload={"access_id": access.access_id},
            ),
            uow,
        )  # fmt: skip

    def _unschedule(self, uow: UnitOfWork, access: Access) -> None:
        if self.scheduler is None:
            return
        delete = DeleteSchedule(
            tenant_id=access.tenant_id, schedule_id=schedule_id_of(access.access_id)
        )
        try:
            self.scheduler.delete(delete, uow)
        except NotFound:
            return  # removed by hand


def register_bipro(registry: HandlerRegistry, inbox: BiproInbox) -> None:
    """Handle the scheduled poll command on ``registry``."""
    registry.register_command(PollPortalAccess, inbox.request_poll)


def declare_notifications(rules: NotificationRules) -> None:
    """A new shipment notifies the owner of its portal access."""
    rules.notify(ShipmentReceived, _received, [NamedUser(lambda event: event.owner_id)])


def _received(event: ShipmentReceived) -> Notice:
    return Notice(
        f"Neue Lieferung von {event.insurer} im Posteingang ({event.documents} Dokumente)",
        {"inbox_id": event.inbox_id, "access_id": event.access_id},
    )
