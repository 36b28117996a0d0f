"""``kontor config``: show the effective settings."""

from __future__ import annotations

import typer

from kontor.cli.common import load_settings, print_json

app = typer.Typer(help="Inspect configuration.", no_args_is_help=True)


@app.command("show")
def show() -> None:
    """Print the effective settings as JSON, secrets masked."""
    print_json(load_settings().masked())
