"""Cases through the message bus on both backends: rules of the type, timeline, links, money."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from kontor.bootstrap import Kontor, bootstrap
from kontor.casework.cases import (
    Case,
    CaseFilter,
    CaseStore,
    ChangeCaseStatus,
    CloseCase,
    CommentOnCase,
    ConcurrentCaseChange,
    DuplicateBusinessKey,
    InvalidCaseData,
    LinkCase,
    OpenCase,
    ReopenCase,
    Timeline,
    TransitionRefused,
    UpdateCase,
)
from kontor.messaging import FakeClock, outbox
from kontor.process.messages import DeployProcess, StartProcess
from kontor.settings import Environment, Settings
from support.backends import BACKENDS
from support.cases import case_types

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

TENANT = "t1"
QUICK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://t">
  <bpmn:process id="Quick" isExecutable="true">
    <bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def kontor(engine: Engine) -> Kontor:
    settings = Settings(environment=Environment.TEST, secret_key="a-real-secret-for-tests")
    return bootstrap(settings, engine=engine, clock=FakeClock(), case_types=case_types())


def _open(kontor: Kontor, key: str = "S-1", **fields: Any) -> Case:
    given: dict[str, Any] = {"title": "Wasserschaden", "data": {"claim_number": key}} | fields
    case: Case = kontor.bus.handle(
        OpenCase(tenant_id=TENANT, actor="u-anna", case_type="claim", business_key=key, **given)
    )
    return case


def _stored(kontor: Kontor, case_id: str, tenant: str = TENANT) -> Case:
    with kontor.bus.unit_of_work() as uow:
        return CaseStore(uow.connection, tenant).get(case_id)


def _timeline(kontor: Kontor, case_id: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    with kontor.bus.unit_of_work() as uow:
        entries = Timeline(uow.connection, TENANT).entries(case_id)
    return [(entry.kind, entry.actor, entry.details) for entry in entries]


def test_a_case_starts_in_its_types_initial_status_and_announces_itself(
    kontor: Kontor, engine: Engine
) -> None:
    case = _open(kontor, owner="u-anna", group_id="claims")
    assert (case.status, case.owner, case.group_id, case.closed) == (
        "reported", "u-anna", "claims", False,
    )  # fmt: skip
    assert _stored(kontor, case.case_id) == case
    with engine.connect() as connection:
        types = connection.execute(select(outbox.c.type_name)).scalars().all()
    assert "case.created" in types


def test_a_business_key_is_unique_per_tenant_and_type(kontor: Kontor) -> None:
    _open(kontor, "S-1")
    with pytest.raises(DuplicateBusinessKey, match="S-1"):
        _open(kontor, "S-1")
    other: Case = kontor.bus.handle(
        OpenCase(tenant_id="t2", case_type="claim", business_key="S-1", title="t",
                 data={"claim_number": "S-1"})
    )  # fmt: skip
    assert other.business_key == "S-1"


def test_data_the_schema_refuses_is_named_by_field_path_and_nothing_is_stored(
    kontor: Kontor,
) -> None:
    bad = {"claim_number": 7, "amount": -1, "insured": {}}
    with pytest.raises(InvalidCaseData) as refused:
        _open(kontor, data=bad)
    fields = [error["field"] for error in refused.value.details["errors"]]
    assert sorted(fields) == ["amount", "claim_number", "insured"]
    with kontor.bus.unit_of_work() as uow:
        assert CaseStore(uow.connection, TENANT).page(CaseFilter(), 10).items == []
    case = _open(kontor)
    with pytest.raises(InvalidCaseData, match="insured"):
        kontor.bus.handle(
            UpdateCase(tenant_id=TENANT, case_id=case.case_id, data={"claim_number": "S-1",
                       "insured": {"name": 1}})
        )  # fmt: skip
    assert _stored(kontor, case.case_id).data == {"claim_number": "S-1"}


def test_status_changes_follow_the_types_transitions(kontor: Kontor) -> None:
    case = _open(kontor)
    with pytest.raises(TransitionRefused) as refused:
        kontor.bus.handle(ChangeCaseStatus(tenant_id=TENANT, case_id=case.case_id,
                                           status="settled"))  # fmt: skip
    assert refused.value.details == {"case_status": "reported", "transition": "reported -> settled"}
    assert _stored(kontor, case.case_id).status == "reported"
    for status in ("in_review", "settled"):
        kontor.bus.handle(
            ChangeCaseStatus(tenant_id=TENANT, actor="u-ben", case_id=case.case_id, status=status)
        )
    assert _stored(kontor, case.case_id).status == "settled"


def test_a_closed_case_changes_nothing_until_reopened(kontor: Kontor) -> None:
    case = _open(kontor)
    kontor.bus.handle(CloseCase(tenant_id=TENANT, case_id=case.case_id, reason="duplicate"))
    with pytest.raises(TransitionRefused, match="closed"):
        kontor.bus.handle(ChangeCaseStatus(tenant_id=TENANT, case_id=case.case_id,
                                           status="in_review"))  # fmt: skip
    with pytest.raises(TransitionRefused, match="closed"):
        kontor.bus.handle(CloseCase(tenant_id=TENANT, case_id=case.case_id))
    assert _stored(kontor, case.case_id).closed
    kontor.bus.handle(ReopenCase(tenant_id=TENANT, case_id=case.case_id, reason="not a duplicate"))
    with pytest.raises(TransitionRefused, match="open"):
        kontor.bus.handle(ReopenCase(tenant_id=TENANT, case_id=case.case_id))
    kontor.bus.handle(ChangeCaseStatus(tenant_id=TENANT, case_id=case.case_id, status="in_review"))
    assert _stored(kontor, case.case_id).status == "in_review"


def test_the_timeline_shows_every_step_in_order_with_its_actor(kontor: Kontor) -> None:
    case = _open(kontor)
    kontor.bus.handle(CommentOnCase(tenant_id=TENANT, actor="u-ben", case_id=case.case_id,
                                    text="Gutachter bestellt"))  # fmt: skip
    kontor.bus.handle(UpdateCase(tenant_id=TENANT, actor="u-ben", case_id=case.case_id,
                                 owner="u-ben"))  # fmt: skip
    kontor.bus.handle(
        ChangeCaseStatus(
            tenant_id=TENANT,
            actor="u-ben",
            case_id=case.case_id,
            status="in_review",
            reason="documents complete",
        )
    )
    kontor.bus.handle(CloseCase(tenant_id=TENANT, actor="u-chef", case_id=case.case_id))
    assert _timeline(kontor, case.case_id) == [
        ("created", "u-anna", {"status": "reported", "business_key": "S-1"}),
        ("commented", "u-ben", {"text": "Gutachter bestellt"}),
        ("updated", "u-ben", {"before": {"owner": None}, "after": {"owner": "u-ben"}}),
        ("status_changed", "u-ben",
         {"from": "reported", "to": "in_review", "reason": "documents complete"}),
        ("closed", "u-chef", {"reason": None}),
    ]  # fmt: skip


def test_lists_filter_by_fields_and_data_and_page_with_a_cursor(kontor: Kontor) -> None:
    first = _open(kontor, "S-1", owner="u-anna")
    second = _open(kontor, "S-2", owner="u-ben", data={"claim_number": "S-2", "amount": 10})
    third = _open(kontor, "S-3", owner="u-anna", group_id="claims")
    with kontor.bus.unit_of_work() as uow:
        store = CaseStore(uow.connection, TENANT)
        page = store.page(CaseFilter(), 2)
        rest = store.page(CaseFilter(), 2, page.next_cursor)
        by_owner = store.page(CaseFilter(owner="u-anna"), 10).items
        by_data = store.page(CaseFilter(data={"claim_number": "S-2"}), 10).items
        by_number = store.page(CaseFilter(data={"amount": "10"}), 10).items
        by_group = store.page(CaseFilter(group_id="claims", status="reported"), 10).items
        foreign = CaseStore(uow.connection, "t2").page(CaseFilter(), 10).items
    assert [c.case_id for c in page.items + rest.items] == [first.case_id, second.case_id,
                                                            third.case_id]  # fmt: skip
    assert rest.next_cursor is None
    assert by_owner == [first, third]
    assert by_data == by_number == [second]
    assert by_group == [third]
    assert foreign == []


def test_money_in_case_data_stays_exact_through_storage(kontor: Kontor) -> None:
    amounts = {"claim_number": "S-1", "amount": Decimal("1234567890123456.78"),
               "fee": Decimal("12.30"), "items": [{"price": Decimal("0.10")}]}  # fmt: skip
    case = _open(kontor, data=amounts)
    data = _stored(kontor, case.case_id).data
    assert data == amounts
    assert [type(data["amount"]), str(data["fee"]), str(data["items"][0]["price"])] == [
        Decimal, "12.30", "0.10",
    ]  # fmt: skip


def test_a_linked_process_instance_that_ends_shows_on_the_timeline(kontor: Kontor) -> None:
    case = _open(kontor)
    kontor.bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=QUICK))
    linked = "i-linked"
    kontor.bus.handle(LinkCase(tenant_id=TENANT, actor="u-anna", case_id=case.case_id,
                               target_id=linked))  # fmt: skip
    kontor.bus.handle(LinkCase(tenant_id=TENANT, case_id=case.case_id, target_id=linked))
    kontor.bus.handle(StartProcess(tenant_id=TENANT, process_key="Quick", instance_id=linked))
    kontor.bus.handle(StartProcess(tenant_id=TENANT, process_key="Quick", instance_id="i-other"))
    kontor.bus.handle(
        StartProcess(tenant_id=TENANT, process_key="Quick", instance_id="i-by-id",
                     case_id=case.case_id)
    )  # fmt: skip
    timeline = _timeline(kontor, case.case_id)
    assert timeline[1:] == [
        ("linked", "u-anna", {"kind": "process_instance", "target_id": linked}),
        ("process_completed", None,
         {"instance_id": linked, "process_key": "Quick", "terminated": False}),
        ("process_completed", None,
         {"instance_id": "i-by-id", "process_key": "Quick", "terminated": False}),
    ]  # fmt: skip
    with kontor.bus.unit_of_work() as uow:
        assert CaseStore(uow.connection, TENANT).links(case.case_id) == [
            ("process_instance", linked)
        ]


def test_instances_ending_together_show_on_the_timelines_of_their_cases(kontor: Kontor) -> None:
    first, second = _open(kontor, "S-1"), _open(kontor, "S-2")
    kontor.bus.handle(DeployProcess(tenant_id=TENANT, bpmn_xml=QUICK))
    for case, target in ((first, "i-1"), (second, "i-2"), (second, "i-3")):
        kontor.bus.handle(LinkCase(tenant_id=TENANT, case_id=case.case_id, target_id=target))
    # one transaction: their end events are delivered together and read their links at once
    kontor.bus.handle_all(
        [
            StartProcess(tenant_id=TENANT, process_key="Quick", instance_id=instance_id)
            for instance_id in ("i-1", "i-unlinked", "i-2", "i-3")
        ]
    )
    ended = {
        case.case_id: [
            details["instance_id"]
            for kind, _, details in _timeline(kontor, case.case_id)
            if kind == "process_completed"
        ]
        for case in (first, second)
    }
    assert ended == {first.case_id: ["i-1"], second.case_id: ["i-2", "i-3"]}


def test_another_tenants_case_is_not_found(kontor: Kontor) -> None:
    case = _open(kontor)
    with pytest.raises(Exception, match="not found"):
        _stored(kontor, case.case_id, tenant="t2")
    with pytest.raises(Exception, match="not found"):
        kontor.bus.handle(CommentOnCase(tenant_id="t2", case_id=case.case_id, text="x"))
    assert [kind for kind, _, _ in _timeline(kontor, case.case_id)] == ["created"]


def test_a_change_based_on_an_outdated_read_is_refused(kontor: Kontor) -> None:
    case = _open(kontor)
    with kontor.bus.unit_of_work() as uow:
        store = CaseStore(uow.connection, TENANT)
        store.save(replace(case, title="first"))
        with pytest.raises(ConcurrentCaseChange):
            store.save(replace(case, title="second"))
        uow.commit()
    assert _stored(kontor, case.case_id).title == "first"
