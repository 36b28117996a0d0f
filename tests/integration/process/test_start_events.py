"""Message, signal and timer start events through the bus and the job executor."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from kontor.process import BroadcastSignal, CorrelateMessage
from kontor.process.errors import InvalidProcessModel, MessageNotCorrelated
from support.backends import BACKENDS
from support.process_world import TENANT, World, chain, model, process

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

RECEIVED = '<bpmn:message id="Received" name="claim.received"/>'
STORM = '<bpmn:signal id="Storm" name="storm"/>'
INTAKE = model(
    process(
        "Intake",
        '<bpmn:startEvent id="OnClaim"><bpmn:messageEventDefinition messageRef="Received"/>'
        '</bpmn:startEvent><bpmn:userTask id="Register"/><bpmn:endEvent id="E"/>',
        chain("OnClaim", "Register", "E"),
    ),
    extra=RECEIVED,
)
WAITER = model(
    process(
        "Waiter",
        '<bpmn:startEvent id="S"/><bpmn:receiveTask id="Wait" messageRef="Received"/>',
        '<bpmn:userTask id="Follow"/><bpmn:endEvent id="E"/>',
        chain("S", "Wait", "Follow", "E"),
    ),
    extra=RECEIVED.replace(
        "/>",
        '><bpmn:extensionElements><zeebe:subscription correlationKey="=ref"/>'
        "</bpmn:extensionElements></bpmn:message>",
    ),
)
ALARM = model(
    process(
        "Alarm",
        '<bpmn:startEvent id="OnStorm"><bpmn:signalEventDefinition signalRef="Storm"/>'
        '</bpmn:startEvent><bpmn:userTask id="Secure"/><bpmn:endEvent id="E"/>',
        chain("OnStorm", "Secure", "E"),
    ),
    extra=STORM,
)
LOOKOUT = model(
    process(
        "Lookout",
        '<bpmn:startEvent id="S"/><bpmn:intermediateCatchEvent id="Watch">'
        '<bpmn:signalEventDefinition signalRef="Storm"/></bpmn:intermediateCatchEvent>',
        '<bpmn:userTask id="Report"/><bpmn:endEvent id="E"/>',
        chain("S", "Watch", "Report", "E"),
    ),
    extra=STORM,
)


def timed(key: str, timer: str, task: str = "Run") -> str:
    """``key`` starting by a timer (``timeDuration``/``timeCycle`` element) into user task."""
    return model(
        process(
            key,
            f'<bpmn:startEvent id="Tick"><bpmn:timerEventDefinition>{timer}'
            f'</bpmn:timerEventDefinition></bpmn:startEvent><bpmn:userTask id="{task}"/>',
            '<bpmn:endEvent id="E"/>',
            chain("Tick", task, "E"),
        )
    )


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


def correlate(world: World, key: str | None = None, **variables: object) -> str:
    command = CorrelateMessage(
        tenant_id=TENANT, name="claim.received", correlation_key=key, variables=variables
    )
    result: str = world.handle(command)
    return result


def test_a_message_without_a_waiting_instance_starts_the_process(world: World) -> None:
    world.deploy(INTAKE)
    instance = correlate(world, "K-1", claim="C-7")
    task = world.task("Register")
    assert (task.instance_id, task.process_key) == (instance, "Intake")
    assert task.variables == {"claim": "C-7"}
    assert task.business_key is None  # the correlation key is no business key


def test_a_waiting_instance_wins_over_a_message_start(world: World) -> None:
    world.deploy(INTAKE)
    world.deploy(WAITER)
    waiter = world.start("Waiter", variables={"ref": "K-1"})
    assert correlate(world, "K-1", claim="C-7") == waiter
    assert world.task("Follow").instance_id == waiter
    assert world.instances("Intake") == []


def test_a_message_nobody_takes_is_refused(world: World) -> None:
    world.deploy(WAITER)
    with pytest.raises(MessageNotCorrelated):
        correlate(world, "K-404")


def test_a_message_start_uses_the_latest_version_only(world: World) -> None:
    world.deploy(INTAKE)
    world.deploy(INTAKE.replace("Register", "RegisterV2"))
    correlate(world)
    assert world.task("RegisterV2").process_key == "Intake"
    assert len(world.instances("Intake")) == 1


def test_a_signal_starts_processes_and_reaches_waiting_instances(world: World) -> None:
    world.deploy(ALARM)
    world.deploy(LOOKOUT)
    lookout = world.start("Lookout")
    reached = world.handle(BroadcastSignal(tenant_id=TENANT, name="storm", variables={"n": 1}))
    assert reached == 2
    assert world.task("Report").instance_id == lookout
    assert world.task("Secure").variables == {"n": 1}


def test_a_timer_start_fires_once_when_due(world: World) -> None:
    world.deploy(timed("Nightly", "<bpmn:timeDuration>PT1H</bpmn:timeDuration>"))
    world.clock.advance(dt.timedelta(minutes=59))
    world.executor.run_until_idle()
    assert world.instances("Nightly") == []
    world.clock.advance(dt.timedelta(minutes=1))
    world.executor.run_until_idle()
    world.clock.advance(dt.timedelta(days=2))
    world.executor.run_until_idle()
    [instance] = world.instances("Nightly")
    assert world.task("Run").instance_id == instance


@pytest.mark.parametrize(
    "cycle", ["R3/PT1H", "0 0 * * * *"], ids=["iso-repetitions", "cron-hourly"]
)
def test_a_timer_start_cycle_repeats(world: World, cycle: str) -> None:
    world.deploy(timed("Hourly", f"<bpmn:timeCycle>{cycle}</bpmn:timeCycle>"))
    counts = []
    for _ in range(5):
        world.clock.advance(dt.timedelta(hours=1))
        world.executor.run_until_idle()
        counts.append(len(world.instances("Hourly")))
    assert counts == ([1, 2, 3, 3, 3] if cycle.startswith("R3") else [1, 2, 3, 4, 5])


def test_deploying_a_new_version_replaces_the_start_timers(world: World) -> None:
    world.deploy(timed("Report", "<bpmn:timeCycle>R/PT1H</bpmn:timeCycle>", task="Old"))
    world.deploy(timed("Report", "<bpmn:timeCycle>R/PT2H</bpmn:timeCycle>", task="New"))
    world.clock.advance(dt.timedelta(hours=2))
    world.executor.run_until_idle()
    [instance] = world.instances("Report")
    assert world.task("New").instance_id == instance


@pytest.mark.parametrize("cycle", ["every hour", "0 0 25 * * *", "0 0 0 30 FEB *"])
def test_a_timer_start_without_a_valid_time_is_refused_at_deploy(world: World, cycle: str) -> None:
    with pytest.raises(InvalidProcessModel, match="'Tick'"):
        world.deploy(timed("Broken", f"<bpmn:timeCycle>{cycle}</bpmn:timeCycle>"))


def test_a_multiple_start_event_starts_by_its_message_its_signal_or_its_timer(
    world: World,
) -> None:
    world.deploy(
        model(
            process(
                "Either",
                '<bpmn:startEvent id="Any"><bpmn:messageEventDefinition messageRef="Received"/>'
                '<bpmn:signalEventDefinition signalRef="Storm"/><bpmn:timerEventDefinition>'
                "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"
                '</bpmn:startEvent><bpmn:userTask id="Act"/><bpmn:endEvent id="E"/>',
                chain("Any", "Act", "E"),
            ),
            extra=RECEIVED + STORM,
        )
    )
    correlate(world)
    world.handle(BroadcastSignal(tenant_id=TENANT, name="storm"))
    assert len(world.instances("Either")) == 2
    world.clock.advance(dt.timedelta(hours=1))
    world.executor.run_until_idle()
    assert len(world.instances("Either")) == 3
