"""The audit log through the bus: one entry per command in its transaction, sealed chain,
tampering named by entry, erasure that keeps the chain verifiable, keyset paging."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select, update

from kontor.bootstrap import Kontor, bootstrap
from kontor.messaging import Change, Command, FakeClock, RecordedChange
from kontor.platform.audit import (
    AuditLog,
    AuditQuery,
    Problem,
    audit_entries,
    audit_seals,
    audit_unsealed,
    store,
)
from kontor.platform.audit.chain import ChainHead, link, new_seal
from kontor.process import CompleteUserTask, DeployProcess, StartProcess
from kontor.process.store import InstanceStore
from kontor.rules.deployment import HookPoint, HookRegistry, RulesService
from kontor.settings import Settings
from support.backends import BACKENDS
from support.dmn import risk_xml
from support.identity import acting

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

TENANT = "t1"
REVIEW = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' id="d" targetNamespace="http://t"><bpmn:process id="Claim" isExecutable="true">'
    '<bpmn:startEvent id="S"/><bpmn:userTask id="Review"/><bpmn:endEvent id="E"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Review"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="Review" targetRef="E"/>'
    "</bpmn:process></bpmn:definitions>"
)


class Audited:
    """Kontor on a fake clock with the audit log on; helpers to act and to read the log."""

    def __init__(self, engine: Engine, settings: Settings | None = None) -> None:
        self.clock = FakeClock()
        self.engine = engine
        self.kontor: Kontor = bootstrap(settings or Settings(), clock=self.clock, engine=engine)
        assert self.kontor.audit is not None
        self.log: AuditLog = self.kontor.audit
        self.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=REVIEW, actor="admin"))

    def handle(self, command: Command) -> Any:
        return self.kontor.bus.handle(command)

    def start(self, actor: str = "clerk", **fields: Any) -> str:
        instance_id: str = self.handle(
            StartProcess(tenant_id=TENANT, process_key="Claim", actor=actor, **fields)
        )
        return instance_id

    def entries(self, tenant_id: str = TENANT) -> list[Any]:
        with self.engine.connect() as connection:
            return list(self.log.entries(connection, tenant_id, AuditQuery()))

    def seal(self) -> None:
        """Seal what was recorded until ten seconds ago (the grace for commits under way)."""
        now = self.clock.advance(dt.timedelta(minutes=1))
        self.log.seal(self.engine, now - dt.timedelta(seconds=10), now)

    def problem(self) -> Problem | None:
        return self.log.verify(self.engine, self.clock.now()).problem

    def change(self, entry_id: str, **values: Any) -> None:
        """Change the entry's row, sealed or not."""
        with self.engine.begin() as connection:
            for table in (audit_entries, audit_unsealed):
                connection.execute(
                    update(table).where(table.c.entry_id == entry_id).values(**values)
                )

    def remove(self, *entry_ids: str) -> None:
        """Delete the entries' rows, sealed or not."""
        with self.engine.begin() as connection:
            for table in (audit_entries, audit_unsealed):
                connection.execute(delete(table).where(table.c.entry_id.in_(entry_ids)))


@pytest.fixture
def audited(engine: Engine) -> Audited:
    return Audited(engine)


def _sealed_log(audited: Audited, instances: int = 4) -> list[str]:
    """A sealed log of the deployment and ``instances`` starts; the entry ids in chain order."""
    for number in range(instances):
        audited.start(business_key=f"B-{number}")
    audited.seal()
    with audited.engine.connect() as connection:
        rows = connection.execute(
            select(audit_entries.c.entry_id)
            .where(audit_entries.c.tenant_id == TENANT)
            .order_by(audit_entries.c.chain_position)
        )
        return [row.entry_id for row in rows]


def test_a_command_through_the_bus_writes_one_entry_with_actor_entity_and_difference(
    audited: Audited,
) -> None:
    before = len(audited.entries())
    command = StartProcess(
        tenant_id=TENANT, process_key="Claim", actor="clerk", variables={"sum": 1200}
    )
    instance_id = audited.handle(command)

    (entry,) = audited.entries()[before:]
    assert (entry.action, entry.entity_type, entry.entity_id) == (
        "process.start",
        "process_instance",
        instance_id,
    )
    assert (entry.actor, entry.tenant_id, entry.correlation_id) == (
        "clerk",
        TENANT,
        command.correlation_id,
    )
    assert entry.recorded_at == audited.clock.now()
    assert entry.difference["after"]["variables"] == {"sum": 1200}


def test_a_command_delivered_from_the_outbox_is_recorded_too(audited: Audited) -> None:
    before = len(audited.entries())
    audited.kontor.bus.publish(StartProcess(tenant_id=TENANT, process_key="Claim"))

    (entry,) = audited.entries()[before:]
    assert (entry.action, entry.entity_type, entry.actor) == (
        "process.start",
        "process_instance",
        None,
    )


def test_an_entry_is_undone_with_the_command_that_failed(audited: Audited) -> None:
    instance_id = audited.start()
    before = len(audited.entries())
    failing = CompleteUserTask(tenant_id=TENANT, instance_id=instance_id, task_id="no-such-task")
    results = audited.kontor.bus.handle_all(
        [failing, StartProcess(tenant_id=TENANT, process_key="Claim", actor="clerk")]
    )

    assert isinstance(results[0], Exception)
    (entry,) = audited.entries()[before:]
    assert (entry.action, entry.entity_id) == ("process.start", results[1])


def test_nothing_is_written_when_the_unit_of_work_does_not_commit(audited: Audited) -> None:
    before = len(audited.entries())
    with audited.kontor.bus.unit_of_work() as uow:
        uow.record(Change("test.change", "thing", "1"), TENANT, "clerk")
    assert len(audited.entries()) == before


def test_rule_deployments_and_hook_bindings_are_audited(audited: Audited) -> None:
    rules = RulesService(HookRegistry([HookPoint("task.created", "who works on it?")]))
    caller = acting(TENANT)
    with audited.kontor.bus.unit_of_work() as uow:
        rules.deploy(uow, caller, risk_xml().encode(), "risk.dmn")
        uow.commit()
    with audited.kontor.bus.unit_of_work() as uow:
        deployed = rules.deployments(uow, caller)[0]
        rules.bind(uow, caller, "task.created", deployed.model_key, "Risk Class")
        rules.unbind(uow, caller, "task.created")
        uow.commit()

    actions = [(e.action, e.entity_type, e.actor) for e in audited.entries()[1:]]
    assert actions == [
        ("rules.deploy", "rule_deployment", "tester"),
        ("rules.bind", "hook_binding", "tester"),
        ("rules.unbind", "hook_binding", "tester"),
    ]
    unbound = audited.entries()[-1]
    assert unbound.difference["before"]["model_key"] == deployed.model_key


def test_verify_passes_on_a_clean_log_sealed_or_not(audited: Audited) -> None:
    _sealed_log(audited)
    audited.start()  # recorded after the seal, not yet chained
    audited.seal()
    audited.start()

    outcome = audited.log.verify(audited.engine, audited.clock.now())
    assert (outcome.problem, outcome.tenants) == (None, [TENANT])


def test_a_changed_row_is_named(audited: Audited) -> None:
    chain = _sealed_log(audited)
    audited.change(chain[2], actor="someone-else")

    problem = audited.problem()
    assert problem is not None
    assert (problem.tenant_id, problem.entry_id) == (TENANT, chain[2])
    assert "changed" in problem.message


def test_a_changed_difference_is_named(audited: Audited) -> None:
    chain = _sealed_log(audited)
    audited.change(chain[1], difference={"before": None, "after": {"business_key": "forged"}})

    problem = audited.problem()
    assert problem is not None
    assert problem.entry_id == chain[1]
    assert "difference" in problem.message


def test_a_changed_unsealed_row_is_named(audited: Audited) -> None:
    instance_id = audited.start()
    (entry,) = [e for e in audited.entries() if e.entity_id == instance_id]
    audited.change(entry.entry_id, entity_id="another-instance")

    problem = audited.problem()
    assert problem is not None
    assert problem.entry_id == entry.entry_id


def test_a_deleted_row_is_named(audited: Audited) -> None:
    chain = _sealed_log(audited)
    audited.remove(chain[2])

    problem = audited.problem()
    assert problem is not None
    assert problem.entry_id == chain[2]
    assert "missing" in problem.message


def test_cutting_off_the_newest_rows_is_named(audited: Audited) -> None:
    chain = _sealed_log(audited)
    audited.remove(*chain[-2:])

    problem = audited.problem()
    assert problem is not None
    assert problem.entry_id == chain[-1]
    assert "cut off" in problem.message


def test_removing_the_newest_seal_is_detected(audited: Audited) -> None:
    _sealed_log(audited, instances=1)
    audited.start()
    audited.seal()
    with audited.engine.begin() as connection:
        connection.execute(delete(audit_seals).where(audit_seals.c.seal_number == 2))

    problem = audited.problem()
    assert problem is not None
    assert "no seal covers it" in problem.message


def test_erasing_a_data_subject_removes_their_values_and_keeps_the_chain_verifiable(
    audited: Audited,
) -> None:
    person = {"name": "Erika Mustermann", "birth_date": "1964-08-12"}
    instance_id = audited.start(case_id="C-7", variables=person)
    audited.handle(
        CompleteUserTask(
            tenant_id=TENANT,
            instance_id=instance_id,
            task_id=_open_task(audited, instance_id),
            variables={"remark": "Erika called"},
            actor="clerk",
        )
    )
    audited.seal()

    with audited.kontor.bus.unit_of_work() as uow:
        erased = audited.log.erase_subject(
            uow.connection, TENANT, "case:C-7", "dpo", uow.clock.now()
        )
        uow.commit()
    erased += _erase(audited, f"process_instance:{instance_id}")

    assert erased == 2
    assert audited.problem() is None
    with audited.engine.connect() as connection:
        stored = repr(
            [connection.execute(select(t)).all() for t in (audit_entries, audit_unsealed)]
        )
    assert "Erika" not in stored
    assert "1964-08-12" not in stored
    erasures = [e for e in audited.entries() if e.action == "audit.erase"]
    assert [(e.entity_id, e.actor) for e in erasures] == [
        ("case:C-7", "dpo"),
        (f"process_instance:{instance_id}", "dpo"),
    ]


def test_a_difference_removed_without_erasure_is_named(audited: Audited) -> None:
    chain = _sealed_log(audited)
    audited.change(chain[3], difference=None, difference_salt=None)

    problem = audited.problem()
    assert problem is not None
    assert problem.entry_id == chain[3]
    assert "no erasure" in problem.message


def test_keyset_paging_and_filters_stay_in_the_tenant(audited: Audited) -> None:
    started = [audited.start(actor=f"clerk-{n % 2}") for n in range(5)]
    audited.handle(DeployProcess(tenant_id="other", bpmn_xml=REVIEW, actor="clerk-0"))
    seen: list[str] = []
    after = None
    with audited.engine.connect() as connection:
        while True:
            page = audited.log.page(connection, TENANT, AuditQuery(actor="clerk-0"), after, 2)
            seen.extend(entry.entity_id for entry in page.entries)
            if page.next_after is None:
                break
            after = page.next_after
        by_entity = audited.log.page(
            connection, TENANT, AuditQuery("process_instance", started[3]), None, 10
        )
        foreign = audited.log.page(connection, "other", AuditQuery(), None, 10)
    assert seen == [started[0], started[2], started[4]]
    assert [entry.actor for entry in by_entity.entries] == ["clerk-1"]
    assert [(e.tenant_id, e.action) for e in foreign.entries] == [("other", "process.deploy")]


def _open_task(audited: Audited, instance_id: str) -> str:
    with audited.kontor.bus.unit_of_work() as uow:
        state = InstanceStore(uow.connection, TENANT).get(instance_id).state
    (task_id,) = state.user_tasks
    return task_id


def _erase(audited: Audited, subject: str) -> int:
    with audited.kontor.bus.unit_of_work() as uow:
        erased = audited.log.erase_subject(uow.connection, TENANT, subject, "dpo", uow.clock.now())
        uow.commit()
    return erased


def test_writers_of_one_tenant_do_not_wait_for_each_other(audited: Audited) -> None:
    if audited.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time by design; PostgreSQL writes concurrently")
    recorded = RecordedChange(
        Change("test.change", "thing", "first"), TENANT, "clerk", None, audited.clock.now()
    )
    with audited.engine.connect() as first:
        first.begin()
        audited.log.write(first, [recorded])  # the first writer's insert, not yet committed
        with audited.kontor.bus.unit_of_work() as uow:
            # A regression that makes writers queue would fail here instead of hanging.
            uow.connection.exec_driver_sql("SET LOCAL lock_timeout = '60s'")
            uow.record(Change("test.change", "thing", "second"), TENANT, "clerk")
            uow.commit()  # commits while the first writer's transaction is still open
        committed_while_first_open = [e.entity_id for e in audited.entries()[-1:]]
        first.commit()

    assert committed_while_first_open == ["second"]
    assert [e.entity_id for e in audited.entries()[-2:]] == ["first", "second"]


def test_an_erasure_while_its_entries_are_being_sealed_reaches_them_in_the_chain(
    audited: Audited,
) -> None:
    if audited.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: an erasure cannot overlap a seal there")
    instance_id = audited.start(variables={"name": "Erika Mustermann"})
    now = audited.clock.advance(dt.timedelta(minutes=1))
    up_to = now - dt.timedelta(seconds=10)  # the erasure's own entry comes later
    erased: list[int] = []
    with audited.engine.connect() as sealing:
        sealing.begin()
        unsealed = store.unsealed_entries(sealing, TENANT, up_to, 100)
        links = link(audited.log.key, ChainHead(), unsealed)
        store.write_seal(
            sealing, unsealed, links, new_seal(audited.log.key, TENANT, None, links[-1], now, up_to)
        )  # moved into the chain, not yet committed
        eraser = threading.Thread(
            target=lambda: erased.append(_erase(audited, f"process_instance:{instance_id}"))
        )
        eraser.start()
        eraser.join(timeout=0.5)  # waits for the seal's locks (or has already run: both fine)
        sealing.commit()
    eraser.join()

    assert erased == [1]
    assert audited.problem() is None
    with audited.engine.connect() as connection:
        assert "Erika" not in repr(connection.execute(select(audit_entries)).all())


def test_retention_purges_old_sealed_rounds_and_the_rest_still_verifies(engine: Engine) -> None:
    audited = Audited(engine, Settings(audit_retention_days=30))
    old = _sealed_log(audited, instances=2)
    audited.clock.advance(dt.timedelta(days=31))
    audited.start()
    audited.seal()
    audited.start()
    audited.seal()

    purged = audited.log.purge(audited.engine, audited.clock.now())

    assert purged == len(old)
    remaining = audited.entries()
    assert [entry.entry_id for entry in remaining if entry.entry_id in old] == []
    assert len(remaining) == 2
    assert audited.problem() is None
    audited.remove(remaining[-1].entry_id)  # what the retention keeps is still guarded
    problem = audited.problem()
    assert problem is not None
    assert problem.entry_id == remaining[-1].entry_id


def test_the_background_round_seals_what_is_older_than_the_grace(audited: Audited) -> None:
    audited.start()
    audited.kontor.background_round()
    assert all(entry.chain_position is None for entry in audited.entries())  # within the grace

    audited.clock.advance(dt.timedelta(seconds=61))
    audited.kontor.background_round()

    assert [entry.chain_position for entry in audited.entries()] == [1, 2]
    assert audited.problem() is None


def test_fractional_numbers_and_decimals_in_a_difference_still_verify(audited: Audited) -> None:
    """Read back, a float is a ``Decimal``; a ``Decimal`` was hashed and stored as its text."""
    audited.start(variables={"share": 1.5, "tiny": 1e-07, "two": 2.0, "premium": Decimal("12.50")})
    assert audited.problem() is None
    audited.seal()
    assert audited.problem() is None
