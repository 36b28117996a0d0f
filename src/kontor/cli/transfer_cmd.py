"""``kontor transfer``: install the portfolio transfer app in a tenant, run its due work now."""

from __future__ import annotations

import typer

from kontor.apps.portfolio_transfer import InstallPortfolioTransfer, run_due_work
from kontor.bootstrap import bootstrap
from kontor.cli.common import fail, load_settings, print_json
from kontor.errors import KontorError

app = typer.Typer(help="Portfolio transfer (Umdeckung).", no_args_is_help=True)


@app.command("install")
def install(tenant: str = typer.Argument(..., help="The insurer or broker tenant.")) -> None:
    """Deploy the status models (and, for an insurer, the Easy-BKM switch) in a tenant."""
    kontor = bootstrap(load_settings())
    try:
        kontor.bus.handle(InstallPortfolioTransfer(tenant_id=tenant))
    except KontorError as error:
        fail(error.message)
    finally:
        kontor.engine.dispose()
    print_json({"tenant_id": tenant, "installed": True})


@app.command("run")
def run() -> None:
    """Run the due calculations (inside the calculation window) and applications now."""
    kontor = bootstrap(load_settings())
    try:
        ran = run_due_work(kontor.bus, kontor.clock.now())
    finally:
        kontor.engine.dispose()
    print_json(ran)
