"""Rule deployment store and service: the same behaviour on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from kontor.errors import NotFound, PermissionDenied
from kontor.messaging import FakeClock, UnitOfWork, correlation, outbox
from kontor.platform import Principal
from kontor.rules.deployment import HookPoint, HookRegistry, RulesService, RuleStore
from kontor.rules.errors import (
    HookNotBound,
    InvalidRuleModel,
    RuleNotFound,
    UnknownDecision,
    UnknownHookPoint,
)
from support.backends import BACKENDS
from support.dmn import broken_risk_xml, overlapping_risk_xml, risk_xml
from support.identity import acting

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

MAKLER_A = acting("makler-a")
MAKLER_B = acting("makler-b")
HOOKS = HookRegistry(
    [
        HookPoint("task.created", "a task was created: who should work on it?"),
        HookPoint("portfolio_transfer.intake", "a transfer request arrived: accept it?"),
    ]
)
CLOCK = FakeClock()


@pytest.fixture
def service() -> RulesService:
    return RulesService(HOOKS)


@pytest.fixture
def uow(engine: Engine) -> Iterator[UnitOfWork]:
    with UnitOfWork(engine, CLOCK) as unit:
        yield unit


def _deploy(uow: UnitOfWork, service: RulesService, xml: str, who: Principal = MAKLER_A) -> int:
    return service.deploy(uow, who, xml.encode(), "risk.dmn").deployment.version


def _events(uow: UnitOfWork) -> list[str]:
    return list(uow.connection.execute(select(outbox.c.type_name).order_by(outbox.c.position)))


def test_versions_count_up_and_identical_content_is_a_no_op(
    uow: UnitOfWork, service: RulesService
) -> None:
    first = service.deploy(uow, MAKLER_A, risk_xml().encode(), "risk.dmn")
    again = service.deploy(uow, MAKLER_A, risk_xml().encode(), "renamed.dmn")
    second = service.deploy(uow, MAKLER_A, overlapping_risk_xml().encode(), "risk.dmn")
    uow.commit()
    assert (first.created, first.deployment.version, first.deployment.model_key) == (
        True,
        1,
        "risk",
    )
    assert (again.created, again.deployment.version) == (False, 1)
    assert (second.created, second.deployment.version) == (True, 2)
    assert [row.type_name for row in _events(uow)] == ["rules.deployed", "rules.deployed"]


def test_deployment_keeps_xml_author_and_warnings(uow: UnitOfWork, service: RulesService) -> None:
    _deploy(uow, service, overlapping_risk_xml())
    stored = service.deployment(uow, MAKLER_A, "risk", 1)
    assert stored.xml == overlapping_risk_xml()
    assert (stored.deployed_by, stored.file_name, stored.deployed_at) == (
        MAKLER_A.user_id,
        "risk.dmn",
        CLOCK.now(),
    )
    assert [w["code"] for w in stored.warnings] == ["overlap"]
    [listed] = service.deployments(uow, MAKLER_A)
    assert listed.xml is None
    assert listed.content_hash == stored.content_hash


def test_other_tenants_deployments_are_not_found(uow: UnitOfWork, service: RulesService) -> None:
    _deploy(uow, service, risk_xml())
    assert _deploy(uow, service, overlapping_risk_xml(), MAKLER_B) == 1
    with pytest.raises(NotFound):
        RuleStore(uow.connection, "makler-c").get_deployment("risk", 1)
    with pytest.raises(RuleNotFound):
        service.deployment(uow, acting("makler-c"), "risk", 1)
    assert service.deployment(uow, MAKLER_B, "risk", 1).xml == overlapping_risk_xml()
    assert service.deployments(uow, acting("makler-c")) == []


def test_bad_model_names_line_and_element_and_stores_nothing(
    uow: UnitOfWork, service: RulesService
) -> None:
    with pytest.raises(InvalidRuleModel) as caught:
        _deploy(uow, service, broken_risk_xml())
    assert caught.value.details["line"] == 39
    assert "Premium" in caught.value.details["element"]
    assert service.deployments(uow, MAKLER_A) == []


def test_binding_checks_hook_model_and_decision(uow: UnitOfWork, service: RulesService) -> None:
    _deploy(uow, service, risk_xml())
    with pytest.raises(UnknownHookPoint) as caught:
        service.bind(uow, MAKLER_A, "task.exploded", "risk", "Risk Class")
    assert caught.value.details == {"hook": "task.exploded"}
    with pytest.raises(RuleNotFound):
        service.bind(uow, MAKLER_A, "task.created", "nothing", "Risk Class")
    with pytest.raises(RuleNotFound):
        service.bind(uow, MAKLER_A, "task.created", "risk", "Risk Class", version=7)
    with pytest.raises(UnknownDecision):
        service.bind(uow, MAKLER_A, "task.created", "risk", "Nope")


def test_decide_follows_the_latest_version_or_the_pinned_one(
    uow: UnitOfWork, service: RulesService
) -> None:
    inputs = {"Line of Business": "household", "Sum Insured": 5000}
    _deploy(uow, service, risk_xml())
    service.bind(uow, MAKLER_A, "task.created", "risk", "Risk Class")
    assert service.decide(uow, MAKLER_A, "task.created", inputs).value == "low"
    _deploy(uow, service, risk_xml().replace('"low"', '"small"'))
    assert service.decide(uow, MAKLER_A, "task.created", inputs).value == "small"
    service.bind(uow, MAKLER_A, "task.created", "risk", "Risk Class", version=1)
    assert service.decide(uow, MAKLER_A, "task.created", inputs).value == "low"
    [overview, _] = service.hooks(uow, MAKLER_A)
    assert overview.binding is None
    uow.commit()
    assert [row.type_name for row in _events(uow)].count("rules.hook_bound") == 2


def test_decisions_are_recorded_with_exact_money_and_explanation(
    uow: UnitOfWork, service: RulesService
) -> None:
    _deploy(uow, service, risk_xml())
    service.bind(uow, MAKLER_A, "portfolio_transfer.intake", "risk", "Premium")
    with correlation("vorgang-4711"):
        decided = service.decide(
            uow,
            MAKLER_A,
            "portfolio_transfer.intake",
            {"Line of Business": "household", "Sum Insured": Decimal("250000.50")},
        )
    uow.commit()
    assert decided.value == Decimal("500.001")
    [record] = service.records(uow, MAKLER_A, "portfolio_transfer.intake")
    assert record == decided.record
    assert (record.version, record.output, record.messages) == (1, Decimal("500.001"), [])
    assert record.inputs == {"Line of Business": "household", "Sum Insured": Decimal("250000.50")}
    assert record.correlation_id == "vorgang-4711"
    assert record.explanation["tables"][0]["matched"] == [{"index": 1, "ruleId": "high"}]
    assert service.records(uow, MAKLER_B) == []
    assert [row.type_name for row in _events(uow)][-1] == "rules.decision_taken"


def test_unbound_hooks_cannot_decide(uow: UnitOfWork, service: RulesService) -> None:
    _deploy(uow, service, risk_xml())
    service.bind(uow, MAKLER_A, "task.created", "risk", "Risk Class")
    with pytest.raises(HookNotBound):
        service.decide(uow, MAKLER_B, "task.created", {})
    service.unbind(uow, MAKLER_A, "task.created")
    with pytest.raises(HookNotBound):
        service.unbind(uow, MAKLER_A, "task.created")
    with pytest.raises(HookNotBound):
        service.decide(uow, MAKLER_A, "task.created", {})


def test_each_operation_needs_its_permission(uow: UnitOfWork, service: RulesService) -> None:
    reader = Principal("auditor", "makler-a", permissions=frozenset({"rules:read"}))
    with pytest.raises(PermissionDenied):
        _deploy(uow, service, risk_xml(), reader)
    with pytest.raises(PermissionDenied):
        service.decide(uow, reader, "task.created", {})
    assert service.deployments(uow, reader) == []
