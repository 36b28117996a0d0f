"""``kontor webhook``: a tenant's subscriptions, their delivery log, replay, sending now."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

import typer

from kontor.bootstrap import Kontor, bootstrap
from kontor.cli.common import fail, load_settings, print_json
from kontor.errors import KontorError
from kontor.integration.webhooks import DeliveryLog, EndpointStore, SubscriptionStore, Webhooks

app = typer.Typer(help="Outbound and inbound webhooks.", no_args_is_help=True)
TENANT = typer.Option(..., "--tenant", help="The tenant whose webhooks these are.")


@contextmanager
def _wired() -> Iterator[tuple[Kontor, Webhooks]]:
    kontor = bootstrap(load_settings())
    try:
        if kontor.integration is None:
            fail("webhooks are not wired")
        yield kontor, kontor.integration.webhooks
    except KontorError as error:
        fail(error.message, code=1)
    finally:
        kontor.stop()


@app.command("list")
def list_subscriptions(tenant: str = TENANT) -> None:
    """The tenant's subscriptions (no secrets)."""
    with _wired() as (kontor, webhooks), kontor.bus.reading() as uow:
        found = SubscriptionStore(uow.connection, tenant, webhooks.box).all()
    print_json([asdict(s) for s in found])


@app.command("endpoints")
def list_endpoints(tenant: str = TENANT) -> None:
    """The tenant's inbound endpoints (no secrets)."""
    with _wired() as (kontor, webhooks), kontor.bus.reading() as uow:
        found = EndpointStore(uow.connection, tenant, webhooks.box).all()
    print_json([asdict(e) for e in found])


@app.command("deliveries")
def deliveries(
    subscription_id: str = typer.Argument(..., help="The subscription."),
    tenant: str = TENANT,
    status: str | None = typer.Option(None, help="pending or delivered"),
    limit: int = typer.Option(100, help="At most this many, newest first."),
) -> None:
    """The subscription's deliveries with their latest response code."""
    with _wired() as (kontor, webhooks), kontor.bus.reading() as uow:
        SubscriptionStore(uow.connection, tenant, webhooks.box).get(subscription_id)
        found = DeliveryLog(uow.connection, tenant).of_subscription(subscription_id, status, limit)
    print_json([asdict(d) for d in found])


@app.command("replay")
def replay(
    delivery_id: str = typer.Argument(..., help="The delivery to send again."),
    tenant: str = TENANT,
) -> None:
    """Queue a delivery's event again, last in its subscription's order, under a new id."""
    with _wired() as (kontor, _), kontor.bus.unit_of_work() as uow:
        replayed = DeliveryLog(uow.connection, tenant).replay(delivery_id, uow.clock.now())
        uow.commit()
    print_json(asdict(replayed))


@app.command("enable")
def enable(
    subscription_id: str = typer.Argument(..., help="The subscription."),
    tenant: str = TENANT,
    off: bool = typer.Option(False, "--off", help="Switch it off instead."),
) -> None:
    """Switch a subscription on again (its failure count starts anew), or off."""
    with _wired() as (kontor, webhooks), kontor.bus.unit_of_work() as uow:
        store = SubscriptionStore(uow.connection, tenant, webhooks.box)
        changed = store.set_enabled(subscription_id, not off, "von Hand abgeschaltet")
        uow.commit()
    print_json(asdict(changed))


@app.command("deliver")
def deliver() -> None:
    """Send every due delivery now (what the background loop does); prints how many went out."""
    with _wired() as (kontor, _):
        assert kontor.integration is not None
        sent = kontor.integration.sender.deliver_until_idle()
    print_json({"delivered": sent})
