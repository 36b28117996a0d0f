"""Status moves: the process engine moves the instance, the app records status, protocol, events.

A request's statuses run in the broker's tenant (process ``PortfolioTransferRequest``), its
underwriting case's technical statuses in the insurer's tenant (``PortfolioTransferUnderwriting``).
Each move correlates the action's message to the instance, in the caller's unit of work.
"""

from __future__ import annotations

from kontor.apps.portfolio_transfer.messages import (
    TransferStatusChanged,
    UnderwritingCaseStatusChanged,
)
from kontor.apps.portfolio_transfer.status_model import (
    ACTION_LABELS,
    CASE_FILE,
    CASE_PROCESS,
    REQUEST_FILE,
    REQUEST_PROCESS,
    case_model,
    model_xml,
    request_model,
)
from kontor.apps.portfolio_transfer.store import TransferRequest, TransferStore
from kontor.messaging import HandlerRegistry, UnitOfWork
from kontor.process import CorrelateMessage, DeployProcess, StartProcess

DELETED = "Gelöscht"


class Moves:
    """Moves requests and cases through their BPMN status models."""

    def __init__(self, registry: HandlerRegistry) -> None:
        self.registry = registry
        self._deployed: set[tuple[str, str]] = set()

    def deploy(self, uow: UnitOfWork, tenant_id: str, file_name: str) -> None:
        """Deploy a shipped model in ``tenant_id`` (an unchanged model stays as it is).

        Once committed, this process does not check the tenant's model again (a check parses
        and validates the model: too slow for every contract of a bulk action).
        """
        key = (tenant_id, file_name)
        if key in self._deployed:
            return
        command = DeployProcess(
            tenant_id=tenant_id, bpmn_xml=model_xml(file_name), source_name=file_name
        )
        self.registry.run(command, uow)
        uow.on_commit(lambda: self._deployed.add(key))

    def _start(
        self,
        uow: UnitOfWork,
        tenant_id: str,
        file_name: str,
        process_key: str,
        request: TransferRequest,
        actor: str | None,
    ) -> None:
        """Deploy the model (once) and start its process for the request in ``tenant_id``."""
        self.deploy(uow, tenant_id, file_name)
        self.registry.run(
            StartProcess(
                tenant_id=tenant_id, actor=actor, process_key=process_key,
                variables={"request_id": request.request_id}, business_key=request.request_id,
            ),
            uow,
        )  # fmt: skip

    def start_request(self, uow: UnitOfWork, request: TransferRequest, actor: str | None) -> None:
        """Start the status process of a new request in the broker's tenant."""
        self._start(uow, request.broker_tenant_id, REQUEST_FILE, REQUEST_PROCESS, request, actor)
        store = TransferStore(uow.connection, request.broker_tenant_id)
        store.note(request, uow.clock.now(), actor, "status", f"Status {request.status}",
                   {"to": request.status})  # fmt: skip
        self._announce_status(uow, request, None)

    def request(
        self,
        uow: UnitOfWork,
        request: TransferRequest,
        action: str,
        actor: str | None,
        **values: object,
    ) -> TransferRequest:
        """Move the request by ``action`` (409 if its status forbids it) and set ``values``."""
        target = request_model().next_status(request.status, action)
        self._correlate(uow, request.broker_tenant_id, request.request_id, action, actor)
        store = TransferStore(uow.connection, request.broker_tenant_id)
        now = uow.clock.now()
        if target == DELETED:
            moved = request
        else:
            moved = store.change(request, now, status=target, **values)
        text = f"{ACTION_LABELS.get(action, action)}: Status {target}"
        store.note(moved, now, actor, "status", text,
                   {"action": action, "from": request.status, "to": target})  # fmt: skip
        if target == DELETED:
            self._announce_status(uow, request, request.status, status=DELETED)
            return request
        self._announce_status(uow, moved, request.status)
        return moved

    def start_case(
        self, uow: UnitOfWork, request: TransferRequest, actor: str | None
    ) -> TransferRequest:
        """Create the underwriting case (*Vorgang angelegt*) in the insurer's tenant."""
        self._start(uow, request.insurer_tenant_id, CASE_FILE, CASE_PROCESS, request, actor)
        initial = case_model().initial
        store = TransferStore(uow.connection, request.broker_tenant_id)
        now = uow.clock.now()
        moved = store.change(
            request, now, case_status=initial, calculation=None, provider_messages=[],
            condition_override=None,
        )  # fmt: skip
        store.note(moved, now, actor, "case_status", f"Zeichnungsvorgang: {initial}",
                   {"to": initial}, broker_sees=False)  # fmt: skip
        self._announce_case(uow, moved, request.case_status)
        return moved

    def case(
        self,
        uow: UnitOfWork,
        request: TransferRequest,
        action: str,
        actor: str | None,
        **values: object,
    ) -> TransferRequest:
        """Move the request's underwriting case by ``action`` and set ``values``."""
        current = request.case_status or "kein Zeichnungsvorgang"
        target = case_model().next_status(current, action, what="Zeichnungsvorgang")
        self._correlate(uow, request.insurer_tenant_id, request.request_id, action, actor)
        store = TransferStore(uow.connection, request.broker_tenant_id)
        now = uow.clock.now()
        moved = store.change(request, now, case_status=target, **values)
        text = f"{ACTION_LABELS.get(action, action)}: Zeichnungsvorgang {target}"
        change = {"action": action, "from": current, "to": target}
        store.note(moved, now, actor, "case_status", text, change, broker_sees=False)
        self._announce_case(uow, moved, request.case_status)
        return moved

    def _correlate(
        self, uow: UnitOfWork, tenant_id: str, request_id: str, action: str, actor: str | None
    ) -> None:
        command = CorrelateMessage(
            tenant_id=tenant_id, actor=actor, name=action, correlation_key=request_id
        )
        self.registry.run(command, uow)

    def _announce_status(
        self,
        uow: UnitOfWork,
        request: TransferRequest,
        previous: str | None,
        status: str | None = None,
    ) -> None:
        tenants = [request.broker_tenant_id]
        if request.forwarded:
            tenants.append(request.insurer_tenant_id)
        for tenant_id in tenants:
            uow.emit(
                TransferStatusChanged(
                    tenant_id=tenant_id, request_id=request.request_id, label=request.label,
                    status=status or request.status, previous_status=previous,
                )
            )  # fmt: skip

    def _announce_case(
        self, uow: UnitOfWork, request: TransferRequest, previous: str | None
    ) -> None:
        uow.emit(
            UnderwritingCaseStatusChanged(
                tenant_id=request.insurer_tenant_id, request_id=request.request_id,
                label=request.label, case_status=request.case_status or "",
                previous_case_status=previous,
            )
        )  # fmt: skip


def case_running(request: TransferRequest) -> bool:
    """Whether the request has an underwriting case that has not ended."""
    return request.case_status is not None and request.case_status not in case_model().final
