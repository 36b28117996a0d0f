"""``kontor webhook``: list, send what is due, read the delivery log, replay, switch on/off."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontor.bootstrap import Kontor
from kontor.bootstrap import bootstrap as real_bootstrap
from kontor.cli import app, webhook_cmd
from kontor.integration.webhooks import SubscriptionDraft, SubscriptionStore
from kontor.integration.webhooks.subscriptions import queue_deliveries
from kontor.messaging import FakeClock
from kontor.process import ProcessInstanceCompleted
from kontor.settings import Settings
from support.http_servers import serving
from support.webhooks import Receiver


@pytest.fixture
def kontor(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Kontor:
    clock = FakeClock()

    def test_bootstrap(settings: Settings, **_: object) -> Kontor:
        return real_bootstrap(settings, engine=engine, clock=clock)

    monkeypatch.setattr(webhook_cmd, "bootstrap", test_bootstrap)
    return test_bootstrap(Settings())


@pytest.fixture
def receiver_url() -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver()
    with serving(receiver.app()) as base:
        yield receiver, base + "/hook"


def run(*args: str) -> tuple[int, object]:
    result = CliRunner().invoke(app, list(args))
    output = json.loads(result.stdout) if result.exit_code == 0 else result.stderr
    return result.exit_code, output


def test_the_webhook_commands_show_send_and_replay_deliveries(
    kontor: Kontor, receiver_url: tuple[Receiver, str]
) -> None:
    receiver, url = receiver_url
    assert kontor.integration is not None
    with kontor.bus.unit_of_work() as uow:
        store = SubscriptionStore(uow.connection, "t1", kontor.integration.webhooks.box)
        draft = SubscriptionDraft(url, ["process.instance_completed"], {})
        subscription, _ = store.create(
            draft, kontor.integration.webhooks.event_types, uow.clock.now()
        )
        queue_deliveries(
            ProcessInstanceCompleted(tenant_id="t1", instance_id="i-1", process_key="Ping"), uow
        )
        uow.commit()
    code, listed = run("webhook", "list", "--tenant", "t1")
    assert code == 0
    assert [s["subscription_id"] for s in listed] == [subscription.subscription_id]  # type: ignore[attr-defined]
    assert run("webhook", "list", "--tenant", "t2") == (0, [])
    assert run("webhook", "deliver") == (0, {"delivered": 1})
    code, log = run("webhook", "deliveries", subscription.subscription_id, "--tenant", "t1")
    assert code == 0
    [delivery] = log  # type: ignore[misc]
    assert (delivery["status"], delivery["last_status_code"]) == ("delivered", 204)
    code, replayed = run("webhook", "replay", delivery["delivery_id"], "--tenant", "t1")
    assert (code, replayed["status"]) == (0, "pending")  # type: ignore[index]
    assert run("webhook", "deliver") == (0, {"delivered": 1})
    assert len(receiver.received) == 2
    code, switched = run(
        "webhook", "enable", subscription.subscription_id, "--tenant", "t1", "--off"
    )
    assert (code, switched["enabled"]) == (0, False)  # type: ignore[index]
    code, message = run("webhook", "deliveries", subscription.subscription_id, "--tenant", "t2")
    assert code == 1
    assert subscription.subscription_id in str(message)
