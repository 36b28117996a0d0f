"""``kontor gdv import`` and ``export``: a GDV file into a tenant's portfolio and back."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from kontor.bootstrap import bootstrap
from kontor.cli.common import fail, load_settings, print_json
from kontor.db import reading
from kontor.errors import KontorError
from kontor.exchange import store_chunks
from kontor.exchange.pipeline import Run, RunStatus
from kontor.platform.tenants import TenantStore
from kontor.portfolio import GDV_IMPORT, GDV_PIPELINE, Contract, Customer, PortfolioStore
from kontor.portfolio.gdv_export import export_gdv

CHUNK_BYTES = 1024 * 1024
SHOWN = {
    "records": "Sätze",
    "contracts": "Verträge",
    "skipped": "übersprungen",
    "customers_created": "Kunden neu",
    "contracts_created": "Verträge neu",
    "contracts_updated": "Verträge aktualisiert",
    "details_loaded": "Spartendaten",
}


def import_file(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A .gdv file.")
    ],
    tenant: Annotated[str, typer.Option(help="The tenant (broker) whose portfolio it fills.")],
    user: Annotated[str, typer.Option(help="Who the run is recorded as created by.")] = "cli",
    ignore_window: Annotated[
        bool, typer.Option("--ignore-window", help="Load now even outside the run window.")
    ] = False,
) -> None:
    """Import FILE step by step (0/9 … 9/9) and print the run's report as JSON.

    Exit 1 when the run ends on an error step (−1 file error, −2 mapping error).
    """
    kontor = bootstrap(load_settings())
    runner = kontor.imports
    try:
        if runner is None:
            fail("this Kontor was wired without an import runner")
        with reading(kontor.engine) as connection:
            if TenantStore(connection).find(tenant) is None:
                fail(f"no tenant {tenant!r}")
        if ignore_window:
            runner.window = None
        with file.open("rb") as source:
            chunks = iter(lambda: source.read(CHUNK_BYTES), b"")
            blob = store_chunks(runner.blobs, chunks, kontor.settings.import_max_bytes)
        with kontor.bus.unit_of_work() as uow:
            run = runner.submit(uow, tenant, GDV_IMPORT, blob, file.name, user)
            uow.commit()
        _show(run)
        finished = runner.run_one(run.run_id, progress=_show)
    except KontorError as error:
        fail(error.message, code=1)
    finally:
        kontor.engine.dispose()
    if finished is None:
        typer.echo(
            "Der Lauf wartet hinter früheren Dateien dieses Mandanten; der Server spielt ihn ein.",
            err=True,
        )
        return
    print_json(
        {
            "run_id": finished.run_id,
            "status": finished.status.value,
            "step": finished.step_number,
            "counts": finished.counts,
            "error": None
            if finished.error_code is None
            else {"code": finished.error_code, "message": finished.error_message,
                  "suggestion": finished.error_suggestion},
            "report": finished.report,
            "warning_count": finished.report.get("warning_count", 0),
        }
    )  # fmt: skip
    if finished.status is RunStatus.FAILED:
        raise typer.Exit(1)


def export_file(
    tenant: Annotated[str, typer.Option(help="The tenant (broker) whose portfolio to write.")],
    output: Annotated[
        Path | None, typer.Option(help="Write to this file (default: standard output).")
    ] = None,
) -> None:
    """Write the tenant's customers and contracts as a GDV file (one package per insurer)."""
    kontor = bootstrap(load_settings())
    try:
        with reading(kontor.engine) as connection:
            if TenantStore(connection).find(tenant) is None:
                fail(f"no tenant {tenant!r}")
            content = export_gdv(
                _portfolio(PortfolioStore(connection, tenant)),
                sender="Kontor", receiver=tenant, created=kontor.clock.now().date(),
            )  # fmt: skip
    except KontorError as error:
        fail(error.message, code=1)
    finally:
        kontor.engine.dispose()
    if output is None:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(content)
        typer.echo(f"{len(content)} bytes written to {output}", err=True)


def _portfolio(store: PortfolioStore) -> Iterator[tuple[Customer, Contract]]:
    customers: dict[str, Customer] = {}
    after: str | None = None
    while True:
        page = store.contracts.page(500, after)
        for contract in page.items:
            if contract.customer_id not in customers:
                customers[contract.customer_id] = store.customers.get(contract.customer_id)
            yield customers[contract.customer_id], contract
        if page.next_cursor is None:
            return
        after = page.next_cursor


def register(gdv: typer.Typer) -> None:
    """Add ``import`` and ``export`` to the ``kontor gdv`` commands."""
    gdv.command("import")(import_file)
    gdv.command("export")(export_file)


def _show(run: Run) -> None:
    """One progress line per step on stderr: ``Schritt k/9: …`` with the main counts so far."""
    step = GDV_PIPELINE.step(run.step_number)
    shown = [f"{SHOWN[name]} {run.counts[name]}" for name in SHOWN if name in run.counts]
    suffix = f" ({', '.join(shown)})" if shown else ""
    gated = run.status is RunStatus.WAITING and run.step_number == GDV_PIPELINE.gate
    waiting = " – außerhalb des Import-Zeitfensters" if gated else ""
    line = f"Schritt {run.step_number}/{GDV_PIPELINE.last}: {step.label}{waiting}{suffix}"
    print(line, file=sys.stderr, flush=True)
