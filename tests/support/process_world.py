"""A wired Kontor for process tests through the bus, and a small BPMN writer for test models."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from sqlalchemy import Engine, select

from kontor.bootstrap import Kontor, bootstrap
from kontor.casework.cases import CaseTypeRegistry
from kontor.messaging import Command, Event, FakeClock, HandlerRegistry
from kontor.process import (
    DeployProcess,
    IncidentRaised,
    ProcessInstanceCompleted,
    StartProcess,
    TaskHandlers,
    UserTaskActivated,
    UserTaskCancelled,
)
from kontor.process.store import HistoryStore, InstanceRecord, InstanceStore
from kontor.process.store.tables import process_instances
from kontor.settings import Settings

TENANT = "t1"
SEEN = (UserTaskActivated, UserTaskCancelled, ProcessInstanceCompleted, IncidentRaised)


def model(*processes: str, extra: str = "") -> str:
    """A BPMN document with the given ``<bpmn:process>`` elements and root elements."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
        ' xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://t">'
        + extra
        + "".join(processes)
        + "</bpmn:definitions>"
    )


def process(key: str, *elements: str, extensions: str = "") -> str:
    """An executable process; ``extensions`` go into its extensionElements."""
    ext = f"<bpmn:extensionElements>{extensions}</bpmn:extensionElements>" if extensions else ""
    return f'<bpmn:process id="{key}" isExecutable="true">{ext}{"".join(elements)}</bpmn:process>'


def chain(*node_ids: str) -> str:
    """Sequence flows from each node to the next."""
    return "".join(
        f'<bpmn:sequenceFlow id="{a}_{b}" sourceRef="{a}" targetRef="{b}"/>'
        for a, b in pairwise(node_ids)
    )


def checked(retries: int) -> str:
    """Process ``Checked``: task type ``check`` whose error ``REJECTED`` ends at ``Refused``."""
    return model(
        process(
            "Checked",
            '<bpmn:startEvent id="S"/><bpmn:serviceTask id="Check"><bpmn:extensionElements>'
            f'<zeebe:taskDefinition type="check" retries="{retries}"/>'
            '<zeebe:taskHeaders><zeebe:header key="rule" value="strict"/></zeebe:taskHeaders>'
            "</bpmn:extensionElements></bpmn:serviceTask>"
            '<bpmn:boundaryEvent id="OnRejected" attachedToRef="Check">'
            '<bpmn:errorEventDefinition errorRef="Rejected"/></bpmn:boundaryEvent>'
            '<bpmn:endEvent id="Accepted"/><bpmn:endEvent id="Refused"/>',
            chain("S", "Check", "Accepted"),
            chain("OnRejected", "Refused"),
        ),
        extra='<bpmn:error id="Rejected" errorCode="REJECTED"/>',
    )


class World:
    """Kontor on a fake clock with the process handlers, a job executor and an event log."""

    def __init__(
        self,
        engine: Engine,
        handlers: TaskHandlers | None = None,
        settings: Settings | None = None,
        case_types: CaseTypeRegistry | None = None,
    ) -> None:
        self.clock = FakeClock()
        registry = HandlerRegistry()
        self.events: list[Event] = []
        for kind in SEEN:
            registry.subscribe(kind, lambda e, _uow: self.events.append(e), "test.seen")
        self.handlers = handlers or TaskHandlers()
        self.kontor: Kontor = bootstrap(
            settings or Settings(), clock=self.clock, engine=engine, registry=registry,
            task_handlers=self.handlers, case_types=case_types,
        )  # fmt: skip
        self.executor = self.kontor.process_jobs

    def handle(self, command: Command) -> Any:
        """Handle a command on the bus."""
        return self.kontor.bus.handle(command)

    def deploy(self, xml: str) -> None:
        """Deploy a BPMN document in the test tenant."""
        self.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=xml))

    def start(self, key: str, **fields: Any) -> str:
        """Start the latest version of ``key``; the new instance's id."""
        result: str = self.handle(StartProcess(tenant_id=TENANT, process_key=key, **fields))
        return result

    def of(self, kind: type[Event]) -> list[Any]:
        """The events of ``kind`` emitted so far."""
        return [e for e in self.events if isinstance(e, kind)]

    def task(self, element_id: str) -> UserTaskActivated:
        """The (last) user task activated at ``element_id``."""
        tasks = [t for t in self.of(UserTaskActivated) if t.element_id == element_id]
        assert tasks, f"no user task {element_id} was activated"
        found: UserTaskActivated = tasks[-1]
        return found

    def record(self, instance_id: str) -> InstanceRecord:
        """The stored instance."""
        with self.kontor.bus.unit_of_work() as uow:
            return InstanceStore(uow.connection, TENANT).get(instance_id)

    def status(self, instance_id: str) -> str:
        """Whether the instance is active, completed or terminated."""
        return self.record(instance_id).status.value

    def instances(self, key: str) -> list[str]:
        """The ids of every instance of process ``key``, oldest first."""
        table = process_instances
        with self.kontor.bus.unit_of_work() as uow:
            rows = uow.connection.execute(
                select(table.c.instance_id)
                .where(table.c.tenant_id == TENANT, table.c.process_key == key)
                .order_by(table.c.started_at, table.c.instance_id)
            )
            return [row.instance_id for row in rows]

    def completed(self, instance_id: str) -> list[str]:
        """The elements the instance completed, in order."""
        with self.kontor.bus.unit_of_work() as uow:
            rows = HistoryStore(uow.connection, TENANT).activity_history(instance_id)
        return [row.element_id for row in rows if row.outcome == "completed"]
