"""Process store contract: definitions, instances, jobs, subscriptions, history on both backends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kontor.messaging import FakeClock, UnitOfWork
from kontor.process import FeelEvaluator, parse_bpmn
from kontor.process.errors import (
    ConcurrentModification,
    DuplicateBusinessKey,
    InstanceNotFound,
    ProcessNotFound,
)
from kontor.process.runtime import StepResult, complete_user_task, correlate_message, start
from kontor.process.store import (
    DefinitionStore,
    HistoryStore,
    InstanceRecord,
    InstanceStore,
    JobQueue,
)
from support.backends import BACKENDS, POSTGRES_URL

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

MODELS = Path(__file__).resolve().parents[2] / "conformance" / "bpmn" / "models"
CLAIM = (MODELS / "claim_triage_feel.bpmn").read_text()
MESSAGES = (MODELS / "messages.bpmn").read_text()
TIMERS = (MODELS / "timers.bpmn").read_text()
FEEL = FeelEvaluator()


def _deploy(uow: UnitOfWork, tenant: str, key: str, xml: str) -> str:
    definition, _ = DefinitionStore(uow.connection, tenant).deploy(key, None, xml, uow.clock.now())
    return definition.definition_id


def _started(
    engine: Engine,
    clock: FakeClock,
    xml: str,
    key: str,
    variables: dict[str, object],
    *,
    tenant: str = "t1",
    business_key: str | None = None,
    instance_id: str = "i-1",
) -> InstanceRecord:
    result = start(parse_bpmn(xml), key, variables, clock, evaluator=FEEL, instance_id=instance_id)
    with UnitOfWork(engine, clock) as uow:
        record = InstanceRecord(
            instance_id, tenant, _deploy(uow, tenant, key, xml), key, 1, business_key,
            "case-7", result.state, 1, clock.now(),
        )  # fmt: skip
        InstanceStore(uow.connection, tenant).add(record, result.effects, clock.now())
        uow.commit()
    return record


def _save(engine: Engine, clock: FakeClock, record: InstanceRecord, step: StepResult) -> None:
    with UnitOfWork(engine, clock) as uow:
        InstanceStore(uow.connection, record.tenant_id).save(
            record, step.state, step.effects, clock.now()
        )
        uow.commit()


def test_identical_content_is_not_redeployed_and_changes_get_new_versions(engine: Engine) -> None:
    clock = FakeClock()
    with UnitOfWork(engine, clock) as uow:
        store = DefinitionStore(uow.connection, "t1")
        first, new_first = store.deploy("ClaimTriage", "Claim", CLAIM, clock.now())
        again, new_again = store.deploy("ClaimTriage", "Claim", CLAIM, clock.now())
        changed, _ = store.deploy("ClaimTriage", "Claim", CLAIM + "<!-- v2 -->", clock.now())
        other_tenant, _ = DefinitionStore(uow.connection, "t2").deploy(
            "ClaimTriage", None, CLAIM, clock.now()
        )
        uow.commit()
    assert (new_first, new_again) == (True, False)
    assert again.definition_id == first.definition_id
    assert (first.version, changed.version, other_tenant.version) == (1, 2, 1)
    with UnitOfWork(engine, clock) as uow:
        store = DefinitionStore(uow.connection, "t1")
        assert store.latest("ClaimTriage").version == 2
        assert store.get(first.definition_id).bpmn_xml == CLAIM
        assert [d.version for d in store.versions("ClaimTriage")] == [1, 2]
        with pytest.raises(ProcessNotFound):
            DefinitionStore(uow.connection, "t2").get(first.definition_id)
        with pytest.raises(ProcessNotFound):
            store.latest("Nope")


def test_redeploying_an_earlier_version_makes_it_the_latest_again(engine: Engine) -> None:
    clock = FakeClock()
    changed = CLAIM + "<!-- v2 -->"
    with UnitOfWork(engine, clock) as uow:
        store = DefinitionStore(uow.connection, "t1")
        first, _ = store.deploy("ClaimTriage", "Claim", CLAIM, clock.now())
        store.deploy("ClaimTriage", "Claim", changed, clock.now())
        rolled_back, created = store.deploy("ClaimTriage", "Claim", CLAIM, clock.now())
        unchanged, created_again = store.deploy("ClaimTriage", "Claim", CLAIM, clock.now())
        uow.commit()
    assert (created, created_again) == (True, False)
    assert rolled_back.version == 3
    assert rolled_back.definition_id != first.definition_id
    assert unchanged.definition_id == rolled_back.definition_id
    with UnitOfWork(engine, clock) as uow:
        store = DefinitionStore(uow.connection, "t1")
        assert store.latest("ClaimTriage").bpmn_xml == CLAIM
        assert [d.version for d in store.versions("ClaimTriage")] == [1, 2, 3]


def test_instance_state_round_trips_and_stays_within_its_tenant(engine: Engine) -> None:
    clock = FakeClock()
    record = _started(engine, clock, CLAIM, "ClaimTriage", {"amount": 5000, "name": "Jörg"})
    with UnitOfWork(engine, clock) as uow:
        loaded = InstanceStore(uow.connection, "t1").get("i-1")
        with pytest.raises(InstanceNotFound):
            InstanceStore(uow.connection, "t2").get("i-1")
    assert loaded.state.to_dict() == record.state.to_dict()
    assert loaded.state.variables == {"amount": 5000, "name": "Jörg", "risk": "high"}
    assert (loaded.revision, loaded.case_id, loaded.started_at) == (1, "case-7", clock.now())


def test_business_key_is_unique_per_tenant_and_process(engine: Engine) -> None:
    clock = FakeClock()
    _started(engine, clock, CLAIM, "ClaimTriage", {"amount": 1}, business_key="S-1")
    with pytest.raises(DuplicateBusinessKey):
        _started(
            engine, clock, CLAIM, "ClaimTriage", {"amount": 1}, business_key="S-1",
            instance_id="i-2",
        )  # fmt: skip
    _started(
        engine, clock, CLAIM, "ClaimTriage", {"amount": 1}, business_key="S-1", tenant="t2",
        instance_id="i-3",
    )  # fmt: skip
    _started(engine, clock, CLAIM, "ClaimTriage", {"amount": 1}, instance_id="i-4")
    _started(engine, clock, CLAIM, "ClaimTriage", {"amount": 1}, instance_id="i-5")
    with UnitOfWork(engine, clock) as uow:
        found = InstanceStore(uow.connection, "t1").find_by_business_key("ClaimTriage", "S-1")
    assert found is not None
    assert found.instance_id == "i-1"


def test_a_stale_revision_is_refused(engine: Engine) -> None:
    clock = FakeClock()
    record = _started(engine, clock, CLAIM, "ClaimTriage", {"amount": 5000})
    [task] = record.state.user_tasks
    step = complete_user_task(parse_bpmn(CLAIM), record.state, task, {}, clock, evaluator=FEEL)
    _save(engine, clock, record, step)
    with pytest.raises(ConcurrentModification):
        _save(engine, clock, record, step)
    with UnitOfWork(engine, clock) as uow:
        assert InstanceStore(uow.connection, "t1").get("i-1").revision == 2


def test_jobs_are_claimed_once_until_their_lock_expires(engine: Engine) -> None:
    clock = FakeClock()
    record = _started(engine, clock, CLAIM, "ClaimTriage", {"amount": 5000})
    [task] = record.state.user_tasks
    _save(engine, clock, record, complete_user_task(
        parse_bpmn(CLAIM), record.state, task, {}, clock, evaluator=FEEL
    ))  # fmt: skip
    lock = dt.timedelta(minutes=5)
    with UnitOfWork(engine, clock) as uow:
        claimed = JobQueue(uow.connection).claim_due(clock.now(), "worker-a", lock)
        uow.commit()
    assert sorted(job.type or "" for job in claimed) == ["ledger", "notify"]
    assert {job.idempotency_key for job in claimed} == {f"i-1/{job.local_id}" for job in claimed}
    with UnitOfWork(engine, clock) as uow:
        assert JobQueue(uow.connection).claim_due(clock.now(), "worker-b", lock) == []
    clock.advance(lock)
    with UnitOfWork(engine, clock) as uow:
        assert len(JobQueue(uow.connection).claim_due(clock.now(), "worker-b", lock)) == 2


def test_timers_become_claimable_when_due(engine: Engine) -> None:
    clock = FakeClock()
    _started(engine, clock, TIMERS, "Timers", {})
    with UnitOfWork(engine, clock) as uow:
        queue = JobQueue(uow.connection)
        assert queue.claim_due(clock.now(), "w", dt.timedelta(minutes=1)) == []
        assert queue.next_due_at() == clock.now() + dt.timedelta(minutes=10)
    clock.advance(dt.timedelta(minutes=10))
    with UnitOfWork(engine, clock) as uow:
        [timer] = JobQueue(uow.connection).claim_due(clock.now(), "w", dt.timedelta(minutes=1))
    assert (timer.kind, timer.element_id) == ("timer", "CoolingOff")


def test_subscriptions_follow_the_state_and_history_records_waits(engine: Engine) -> None:
    clock = FakeClock()
    record = _started(engine, clock, MESSAGES, "Messages", {"claimId": "C-1"})
    with UnitOfWork(engine, clock) as uow:
        store = InstanceStore(uow.connection, "t1")
        waiting = store.subscribers("message", "documents-received", "C-1")
        assert [s.element_id for s in waiting] == ["WaitDocs"]
        assert store.subscribers("message", "documents-received", "C-2") == []
        assert InstanceStore(uow.connection, "t2").subscribers("message", "withdrawn") == []
    clock.advance(60)
    step = correlate_message(
        parse_bpmn(MESSAGES), record.state, "documents-received", "C-1", {}, clock, evaluator=FEEL
    )
    _save(engine, clock, record, step)
    with UnitOfWork(engine, clock) as uow:
        store = InstanceStore(uow.connection, "t1")
        assert store.subscribers("message", "documents-received") == []
        assert [s.element_id for s in store.subscribers("signal", "stop-all")] == ["Stop"]
        history = {
            a.element_id: a for a in HistoryStore(uow.connection, "t1").activity_history("i-1")
        }
        jobs = store.jobs("i-1")
    assert history["WaitDocs"].ended_at == clock.now()
    assert history["WaitDocs"].started_at == clock.now() - dt.timedelta(seconds=60)
    assert history["Start"].outcome == "completed"
    assert history["Ask"].ended_at == clock.now()
    assert history["Race"].ended_at is None  # the event-based gateway waits
    assert [job["element_id"] for job in jobs] == ["NoReply"]


def test_incidents_are_recorded(engine: Engine) -> None:
    broken = CLAIM.replace("=amount * 0.9", "=amount *")
    clock = FakeClock()
    record = _started(engine, clock, broken, "ClaimTriage", {"amount": 5000})
    [task] = record.state.user_tasks
    _save(engine, clock, record, complete_user_task(
        parse_bpmn(broken), record.state, task, {}, clock, evaluator=FEEL
    ))  # fmt: skip
    with UnitOfWork(engine, clock) as uow:
        [incident] = HistoryStore(uow.connection, "t1").incidents("i-1")
    assert incident.element_id == "UpdateLedger"
    assert incident.resolved_at is None


@pytest.mark.skipif(not POSTGRES_URL, reason="SKIP LOCKED is a PostgreSQL feature")
def test_concurrent_claims_skip_each_others_jobs(engine: Engine, database_url: str) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    clock = FakeClock()
    for number in range(3):
        record = _started(
            engine, clock, CLAIM, "ClaimTriage", {"amount": 5000}, instance_id=f"i-{number}"
        )
        [task] = record.state.user_tasks
        _save(engine, clock, record, complete_user_task(
            parse_bpmn(CLAIM), record.state, task, {}, clock, evaluator=FEEL
        ))  # fmt: skip
    lock = dt.timedelta(minutes=5)
    with UnitOfWork(engine, clock) as first, UnitOfWork(engine, clock) as second:
        mine = JobQueue(first.connection).claim_due(clock.now(), "a", lock, limit=4)
        theirs = JobQueue(second.connection).claim_due(clock.now(), "b", lock, limit=4)
        first.commit()
        second.commit()
    assert len(mine) == 4
    assert len(theirs) == 2
    assert not {j.job_id for j in mine} & {j.job_id for j in theirs}
