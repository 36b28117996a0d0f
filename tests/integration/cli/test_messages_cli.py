"""``kontor messages dead`` shows a handler that gave up; ``retry`` delivers it once fixed."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontor.bootstrap import Kontor
from kontor.bootstrap import bootstrap as real_bootstrap
from kontor.cli import app, messages_cmd
from kontor.messaging import FakeClock, HandlerRegistry
from kontor.settings import Settings
from support.messaging import (
    ContractNoted,
    Switches,
    effect_rows,
    register_test_handlers,
    test_metadata,
)


@pytest.fixture
def wired(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> tuple[Kontor, Switches]:
    """The CLI's bootstrap returns a Kontor on the test database with the test handlers."""
    switches = Switches()
    clock = FakeClock()

    def test_bootstrap(settings: Settings, **_: object) -> Kontor:
        registry = HandlerRegistry()
        register_test_handlers(registry, switches)
        return real_bootstrap(settings, engine=engine, registry=registry, clock=clock)

    test_metadata.create_all(engine)
    monkeypatch.setattr(messages_cmd, "bootstrap", test_bootstrap)
    kontor = test_bootstrap(Settings(message_max_attempts=2))
    return kontor, switches


def test_dead_letter_is_listed_and_retried_once_fixed(
    wired: tuple[Kontor, Switches], monkeypatch: pytest.MonkeyPatch
) -> None:
    kontor, switches = wired
    monkeypatch.setenv("KONTOR_MESSAGE_MAX_ATTEMPTS", "2")
    switches.flaky_fails = True
    event = ContractNoted(tenant_id="t1", text="Hausrat 130")
    kontor.bus.publish(event)
    kontor.clock.advance(dt.timedelta(hours=1))  # type: ignore[attr-defined]
    kontor.dispatcher.run_due_retries()
    runner = CliRunner()

    listed = runner.invoke(app, ["messages", "dead"])
    assert listed.exit_code == 0, listed.output
    (letter,) = json.loads(listed.output)
    assert letter["message_id"] == event.message_id
    assert letter["handler"] == "test.flaky"
    assert "flaky handler refuses 'Hausrat 130'" in letter["last_error"]

    still_broken = runner.invoke(app, ["messages", "retry", event.message_id])
    assert still_broken.exit_code == 1  # fresh attempts, but the first one fails again
    kontor.clock.advance(dt.timedelta(hours=1))  # type: ignore[attr-defined]
    kontor.dispatcher.run_due_retries()  # second fresh attempt fails: dead again
    assert len(json.loads(runner.invoke(app, ["messages", "dead"]).output)) == 1

    switches.flaky_fails = False
    fixed = runner.invoke(app, ["messages", "retry", event.message_id])
    assert fixed.exit_code == 0, fixed.output
    assert json.loads(fixed.output)["handled"] == 1
    assert runner.invoke(app, ["messages", "dead"]).output.strip() == "[]"
    assert len(effect_rows(kontor.engine, "flaky")) == 1  # failed attempts left no effect


def test_retry_of_unknown_message_fails_clearly(wired: tuple[Kontor, Switches]) -> None:
    result = CliRunner().invoke(app, ["messages", "retry", "no-such-message"])
    assert result.exit_code == 1
    assert "no dead delivery of message 'no-such-message'" in result.output


def test_resend_after_a_restore_names_how_many_messages_go_again(
    wired: tuple[Kontor, Switches],
) -> None:
    kontor, _ = wired
    kontor.bus.publish(ContractNoted(tenant_id="t1", text="Kfz 050"))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    runner = CliRunner()

    everything = runner.invoke(app, ["messages", "resend", "--since", "2000-01-01T00:00:00"])
    assert everything.exit_code == 0, everything.output
    assert json.loads(everything.output) == {
        "resent": 2,  # the event and the follow-up it caused
        "since": "2000-01-01T00:00:00+00:00",
    }
    future = runner.invoke(app, ["messages", "resend", "--since", later.isoformat()])
    assert json.loads(future.output)["resent"] == 0
    kontor.dispatcher.replay_undispatched()
    assert len(effect_rows(kontor.engine, "audit")) == 1  # sent again, handled once
