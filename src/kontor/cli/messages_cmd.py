"""``kontor messages``: dead letters and their retry."""

from __future__ import annotations

import datetime as dt

import typer

from kontor.bootstrap import bootstrap
from kontor.cli.common import fail, load_settings, print_json

app = typer.Typer(help="Message deliveries.", no_args_is_help=True)


@app.command("dead")
def dead(
    tenant: str | None = typer.Option(None, help="Only this tenant's dead letters."),
    limit: int = typer.Option(100, help="At most this many, newest first."),
) -> None:
    """List deliveries that ended in the dead-letter state, with their last error."""
    kontor = bootstrap(load_settings())
    try:
        letters = kontor.dispatcher.dead_letters(tenant_id=tenant, limit=limit)
    finally:
        kontor.engine.dispose()
    print_json([letter.__dict__ for letter in letters])


@app.command("retry")
def retry(
    message_id: str = typer.Argument(..., help="Id of the dead message."),
    handler: str | None = typer.Option(None, help="Only this handler's delivery."),
) -> None:
    """Give a dead message fresh attempts and deliver it now."""
    kontor = bootstrap(load_settings())
    try:
        if not kontor.dispatcher.retry_dead(message_id, handler):
            fail(f"no dead delivery of message {message_id!r}", code=1)
        report = kontor.dispatcher.run_due_retries()
    finally:
        kontor.engine.dispose()
    print_json(report.__dict__)
    if report.failed or report.dead:
        raise typer.Exit(1)


_SINCE = typer.Option(
    ..., help="Send again what was committed at or after this time (ISO 8601, UTC if bare)."
)


@app.command("resend")
def resend(
    since: dt.datetime = _SINCE,
) -> None:
    """Send messages again after a restore from backup; handlers skip what they already ran."""
    moment = since if since.tzinfo else since.replace(tzinfo=dt.UTC)
    kontor = bootstrap(load_settings())
    try:
        resent = kontor.dispatcher.resend_since(moment)
    finally:
        kontor.engine.dispose()
    print_json({"resent": resent, "since": moment.isoformat()})
