"""``kontor usage``: the billable transactions the usage meter counted."""

from __future__ import annotations

import re

import typer

from kontor.bootstrap import bootstrap
from kontor.cli.common import fail, load_settings, print_json
from kontor.db import reading

app = typer.Typer(help="The usage meter.", no_args_is_help=True)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@app.command("show")
def show(
    month: str | None = typer.Option(None, help="Only this month, YYYY-MM (Europe/Berlin)."),
    tenant: str | None = typer.Option(None, help="Only this tenant."),
) -> None:
    """Counted transactions per tenant, month and action."""
    if month is not None and not _MONTH.match(month):
        fail(f"--month must be YYYY-MM, not {month!r}")
    kontor = bootstrap(load_settings())
    try:
        if kontor.usage is None:
            fail("the usage meter is switched off (KONTOR_USAGE_BILLABLE_ACTIONS is empty)")
        with reading(kontor.engine) as connection:
            usage = kontor.usage.usage(connection, month, tenant)
    finally:
        kontor.engine.dispose()
    print_json([vars(row) for row in usage])
