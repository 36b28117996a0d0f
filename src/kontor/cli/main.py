"""Entry point of the ``kontor`` command: assembles the sub-commands."""

from __future__ import annotations

from typing import Annotated

import typer

from kontor import __version__
from kontor.cli import (
    audit_cmd,
    bipro_cmd,
    bpmn_cmd,
    case_cmd,
    config_cmd,
    db_cmd,
    dmn_cmd,
    gdv_cmd,
    gdv_portfolio_cmd,
    identity_cmd,
    mail_cmd,
    messages_cmd,
    schedule_cmd,
    secrets_cmd,
    server_cmd,
    task_cmd,
    transfer_cmd,
    usage_cmd,
    webhook_cmd,
)

app = typer.Typer(
    name="kontor",
    help="Kontor: integration & automation platform for German insurance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_cmd.app, name="db")
app.add_typer(config_cmd.app, name="config")
app.add_typer(messages_cmd.app, name="messages")
app.add_typer(dmn_cmd.app, name="dmn")
app.add_typer(bpmn_cmd.app, name="bpmn")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(usage_cmd.app, name="usage")
app.add_typer(case_cmd.app, name="case")
app.add_typer(identity_cmd.tenant_app, name="tenant")
app.add_typer(identity_cmd.user_app, name="user")
app.add_typer(mail_cmd.app, name="mail")
app.add_typer(gdv_cmd.app, name="gdv")
app.add_typer(transfer_cmd.app, name="transfer")
app.add_typer(task_cmd.app, name="task")
app.add_typer(webhook_cmd.app, name="webhook")
app.add_typer(schedule_cmd.app, name="schedule")
app.add_typer(secrets_cmd.app, name="secrets")
app.add_typer(bipro_cmd.app, name="bipro")
gdv_portfolio_cmd.register(gdv_cmd.app)
app.command("serve")(server_cmd.serve)
app.command("feel")(dmn_cmd.feel)
app.command("worker")(server_cmd.worker)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kontor {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Kontor: integration & automation platform for German insurance."""


def main() -> None:
    """Run the ``kontor`` command."""
    app()
