"""The service layer of cases: load, apply the pure core, store, append to the timeline, emit."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from kontor.casework.cases import domain
from kontor.casework.cases import messages as msg
from kontor.casework.cases.audit import register_audit
from kontor.casework.cases.domain import Case, Outcome
from kontor.casework.cases.store import CaseStore, Timeline
from kontor.casework.cases.types import CaseTypeRegistry
from kontor.contracts.cases import CaseClosed, CaseCreated, CaseReopened, CaseStatusChanged
from kontor.db.ids import time_ordered_id
from kontor.messaging import Command, Event, HandlerRegistry, UnitOfWork, message_class

PROCESS_INSTANCE_COMPLETED = "process.instance_completed"
"""The process engine's event heard by type name: casework never imports the process engine."""
PROCESS_COMPLETED = "process_completed"
"""The timeline kind of a linked process instance that ended."""
_READ_AHEAD = "casework.cases_linked"  # read ahead per (tenant, process instance)
_UPDATABLE = frozenset({"title", "owner", "group_id", "due_date", "data"})
_CLEARABLE = frozenset({"owner", "group_id", "due_date"})  # null clears these, not title or data


class CaseService:
    """Handlers of the case commands, over the case types the applications registered."""

    def __init__(self, case_types: CaseTypeRegistry) -> None:
        self.case_types = case_types

    def open(self, command: msg.OpenCase, uow: UnitOfWork) -> Case:
        """Open a case in its type's initial status."""
        case_type = self.case_types.get(command.case_type)
        draft = Case(
            case_id=time_ordered_id(), case_type=case_type.type_id,
            business_key=command.business_key, title=command.title,
            status=case_type.initial_status, owner=command.owner, group_id=command.group_id,
            due_date=command.due_date, data=command.data, created_at=uow.clock.now(),
        )  # fmt: skip
        outcome = domain.open_case(case_type, draft)
        CaseStore(uow.connection, command.tenant_id).add(outcome.case)
        return self._record(command, uow, outcome, stored=outcome.case)

    def update(self, command: msg.UpdateCase, uow: UnitOfWork) -> Case:
        """Change the given fields of a case."""
        case = self._load(command, uow)
        changes = {
            name: getattr(command, name)
            for name in command.model_fields_set & _UPDATABLE
            if getattr(command, name) is not None or name in _CLEARABLE
        }
        case_type = self.case_types.get(case.case_type)
        return self._apply(command, uow, domain.update_case(case_type, case, **changes))

    def change_status(self, command: msg.ChangeCaseStatus, uow: UnitOfWork) -> Case:
        """Move a case to another business status."""
        case = self._load(command, uow)
        case_type = self.case_types.get(case.case_type)
        outcome = domain.change_status(case_type, case, command.status, command.reason)
        return self._apply(command, uow, outcome)

    def comment(self, command: msg.CommentOnCase, uow: UnitOfWork) -> Case:
        """Comment on a case."""
        case = self._load(command, uow)
        return self._record(command, uow, domain.comment(case, command.text), stored=case)

    def close(self, command: msg.CloseCase, uow: UnitOfWork) -> Case:
        """Close a case."""
        case = self._load(command, uow)
        return self._apply(command, uow, domain.close_case(case, command.reason, uow.clock.now()))

    def reopen(self, command: msg.ReopenCase, uow: UnitOfWork) -> Case:
        """Reopen a closed case."""
        case = self._load(command, uow)
        return self._apply(command, uow, domain.reopen_case(case, command.reason))

    def link(self, command: msg.LinkCase, uow: UnitOfWork) -> Case:
        """Link a case to a process instance (linking twice changes nothing)."""
        case = self._load(command, uow)
        store = CaseStore(uow.connection, command.tenant_id)
        if not store.link(case.case_id, command.kind, command.target_id, uow.clock.now()):
            return case
        outcome = domain.link(case, command.kind, command.target_id)
        return self._record(command, uow, outcome, stored=case)

    def process_completed(self, event: Event, uow: UnitOfWork) -> None:
        """A process instance ended: the timelines of its cases say so."""
        payload = event.payload()
        instance_id: str = payload["instance_id"]
        store = CaseStore(uow.connection, event.tenant_id)
        key = (_READ_AHEAD, event.tenant_id, instance_id)
        case_ids = set(uow.taken(key, lambda: store.linked_to(msg.PROCESS_INSTANCE, instance_id)))
        if payload.get("case_id") and store.exists(payload["case_id"]):
            case_ids.add(payload["case_id"])
        details = {
            "instance_id": instance_id,
            "process_key": payload["process_key"],
            "terminated": payload["terminated"],
        }
        timeline = Timeline(uow.connection, event.tenant_id)
        for case_id in sorted(case_ids):
            timeline.append(case_id, PROCESS_COMPLETED, None, event.occurred_at, details)

    def read_ahead_completed(self, events: Sequence[Event], uow: UnitOfWork) -> None:
        """Read the case links of ended instances with the other handlers' reads."""
        by_tenant: dict[str, list[str]] = {}
        for event in events:
            by_tenant.setdefault(event.tenant_id, []).append(event.payload()["instance_id"])
        for tenant_id, ids in by_tenant.items():
            store = CaseStore(uow.connection, tenant_id)
            reads = store.linked_reads(msg.PROCESS_INSTANCE, ids)
            uow.read_ahead(reads, partial(_keep_links, uow, tenant_id, store, ids))

    def _load(self, command: Any, uow: UnitOfWork) -> Case:
        case: Case = CaseStore(uow.connection, command.tenant_id).get(command.case_id)
        return case

    def _apply(self, command: Command, uow: UnitOfWork, outcome: Outcome) -> Case:
        if not outcome.entries:
            return outcome.case
        stored = CaseStore(uow.connection, command.tenant_id).save(outcome.case)
        return self._record(command, uow, outcome, stored=stored)

    def _record(self, command: Command, uow: UnitOfWork, outcome: Outcome, stored: Case) -> Case:
        """Append the outcome's entries to the timeline and emit the events they stand for."""
        timeline = Timeline(uow.connection, command.tenant_id)
        now = uow.clock.now()
        for entry in outcome.entries:
            timeline.append(stored.case_id, entry.kind, command.actor, now, entry.details)
            event = _event_of(command, stored, entry)
            if event is not None:
                uow.emit(event)
        return stored


def _keep_links(
    uow: UnitOfWork, tenant_id: str, store: CaseStore, ids: list[str], found: list[list[Any]]
) -> None:
    linked = store.linked_found(ids, found)
    uow.keep_ahead(
        {(_READ_AHEAD, tenant_id, one): cases for one, cases in zip(ids, linked, strict=True)}
    )


def _event_of(command: Command, case: Case, entry: domain.Entry) -> Event | None:
    envelope: dict[str, Any] = {"tenant_id": command.tenant_id, "causation_id": command.message_id}
    envelope |= {"case_id": case.case_id, "case_type": case.case_type}
    reason = entry.details.get("reason")
    if entry.kind == domain.CREATED:
        return CaseCreated(**envelope, business_key=case.business_key, status=case.status)
    if entry.kind == domain.STATUS_CHANGED:
        return CaseStatusChanged(
            **envelope, from_status=entry.details["from"], to_status=entry.details["to"]
        )
    if entry.kind == domain.CLOSED:
        return CaseClosed(**envelope, reason=reason)
    if entry.kind == domain.REOPENED:
        return CaseReopened(**envelope, reason=reason)
    return None


def register(registry: HandlerRegistry, case_types: CaseTypeRegistry) -> CaseService:
    """Register the case command handlers and the process events cases hear."""
    service = CaseService(case_types)
    registry.register_command(msg.OpenCase, service.open)
    registry.register_command(msg.UpdateCase, service.update)
    registry.register_command(msg.ChangeCaseStatus, service.change_status)
    registry.register_command(msg.CommentOnCase, service.comment)
    registry.register_command(msg.CloseCase, service.close)
    registry.register_command(msg.ReopenCase, service.reopen)
    registry.register_command(msg.LinkCase, service.link)
    register_audit(registry)
    # Looked up by name: the event class is the process engine's, loaded by the composition root.
    completed = message_class(PROCESS_INSTANCE_COMPLETED)
    if not issubclass(completed, Event):
        raise TypeError(f"{PROCESS_INSTANCE_COMPLETED!r} is no event")
    registry.subscribe(
        completed, service.process_completed, read_ahead=service.read_ahead_completed
    )
    return service
