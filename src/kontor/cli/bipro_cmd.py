"""``kontor bipro``: portal accesses, polling one now, the inbox, and the provider mock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

import typer
import uvicorn

from kontor.bootstrap import Kontor, bootstrap
from kontor.cli.common import fail, load_settings, print_json
from kontor.errors import KontorError
from kontor.integration.bipro import demo_shipments, provider_mock
from kontor.integration.bipro.inbox import InboxStore
from kontor.integration.bipro.service import BiproInbox

app = typer.Typer(help="BiPRO: portal accesses, the document inbox, the provider mock.",
                  no_args_is_help=True)  # fmt: skip
TENANT = typer.Option(..., "--tenant", help="The tenant whose inbox this is.")


@contextmanager
def _wired() -> Iterator[tuple[Kontor, BiproInbox]]:
    kontor = bootstrap(load_settings())
    try:
        if kontor.integration is None or kontor.integration.bipro is None:
            fail("the BiPRO inbox is not wired")
        yield kontor, kontor.integration.bipro
    except KontorError as error:
        fail(error.message, code=1)
    finally:
        kontor.stop()


@app.command("accesses")
def list_accesses(tenant: str = TENANT) -> None:
    """The tenant's portal accesses (no passwords) with their last poll."""
    with _wired() as (kontor, inbox), kontor.bus.reading() as uow:
        found = inbox.accesses(uow, tenant).all()
    print_json([asdict(a) for a in found])


@app.command("poll")
def poll(
    access_id: str = typer.Argument(..., help="The portal access to poll now."),
    tenant: str = TENANT,
) -> None:
    """Poll a portal access now: store new shipments, acknowledge them; print what it did."""
    with _wired() as (_, inbox):
        print_json(asdict(inbox.poller.poll(tenant, access_id)))


@app.command("inbox")
def list_inbox(
    tenant: str = TENANT,
    access_id: str | None = typer.Option(None, "--access", help="Only this access's shipments."),
    limit: int = typer.Option(100, help="At most this many, newest first."),
) -> None:
    """The newest shipments of the tenant's inbox."""
    with _wired() as (kontor, _), kontor.bus.reading() as uow:
        found = InboxStore(uow.connection, tenant).entries(access_id, limit)
    print_json([asdict(e) for e in found])


@app.command("mock")
def mock(
    password: str = typer.Option(
        ..., envvar="KONTOR_BIPRO_MOCK_PASSWORD", help="The password the mock's login accepts."
    ),
    username: str = typer.Option("makler", help="The login the mock accepts."),
    host: str = typer.Option("127.0.0.1", help="Where to listen."),
    port: int = typer.Option(8099, help="The port to listen on."),
    token_seconds: int = typer.Option(3600, min=1, help="How long an issued token is valid."),
) -> None:
    """Run the BiPRO provider mock with its demo shipments: STS at /sts, transfer at /transfer."""
    served = provider_mock({username: password}, demo_shipments(), token_seconds=token_seconds)
    typer.echo(f"BiPRO provider mock: STS http://{host}:{port}/sts, "
               f"transfer service http://{host}:{port}/transfer", err=True)  # fmt: skip
    uvicorn.run(served.app(), host=host, port=port, log_level="warning")
