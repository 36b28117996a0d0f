"""``kontor audit``: verify the chain, seal it, export entries, erase a data subject."""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kontor.bootstrap import Kontor, bootstrap
from kontor.cli.common import fail, load_settings, print_json
from kontor.db import reading
from kontor.exchange.tabular import csv_lines, write_xlsx
from kontor.platform.audit import AuditLog, AuditQuery, export_rows

app = typer.Typer(help="The audit log.", no_args_is_help=True)


class ExportFormat(StrEnum):
    """File formats of an export."""

    CSV = "csv"
    XLSX = "xlsx"


def _wired() -> tuple[Kontor, AuditLog]:
    kontor = bootstrap(load_settings())
    if kontor.audit is None:
        kontor.engine.dispose()
        fail("the audit log is switched off (KONTOR_AUDIT_LOG_ENABLED=false)")
    return kontor, kontor.audit


@app.command("verify")
def verify(tenant: str | None = typer.Option(None, help="Only this tenant's log.")) -> None:
    """Check every hash, chain link and seal; report the first broken link and exit 1."""
    kontor, log = _wired()
    try:
        outcome = log.verify(kontor.engine, kontor.clock.now(), tenant)
    finally:
        kontor.engine.dispose()
    if outcome.problem is not None:
        problem = outcome.problem
        typer.echo(
            f"broken: tenant {problem.tenant_id}, entry {problem.entry_id}: {problem.message}",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"ok: the audit log of {len(outcome.tenants)} tenant(s) is intact")


@app.command("seal")
def seal(
    grace: float = typer.Option(
        10.0, help="Seconds: younger entries wait for the next seal (commits still under way)."
    ),
) -> None:
    """Chain and seal every tenant's entries; print the new sealed heads (keep them apart)."""
    kontor, log = _wired()
    try:
        now = kontor.clock.now()
        seals = log.seal(kontor.engine, now - dt.timedelta(seconds=grace), now)
    finally:
        kontor.engine.dispose()
    print_json(
        [
            {
                "tenant_id": s.tenant_id,
                "seal_number": s.seal_number,
                "last_position": s.last_position,
                "head_entry_id": s.head_entry_id,
                "head_chain_mac": s.head_chain_mac,
            }
            for s in seals
        ]
    )


@app.command("export")
def export(
    tenant: str = typer.Option(..., help="The tenant whose entries are exported."),
    format: Annotated[ExportFormat, typer.Option(help="csv or xlsx.")] = ExportFormat.CSV,
    output: Annotated[
        Path | None, typer.Option(help="File to write; CSV goes to stdout without.")
    ] = None,
    entity_type: str | None = typer.Option(None, help="Only entries of this entity type."),
    entity_id: str | None = typer.Option(None, help="Only entries of this entity."),
    actor: str | None = typer.Option(None, help="Only entries of this user."),
) -> None:
    """Export a tenant's entries (formula-like cells are quoted so spreadsheets show them)."""
    if format is ExportFormat.XLSX and output is None:
        fail("an XLSX export needs --output FILE")
    kontor, log = _wired()
    query = AuditQuery(entity_type, entity_id, actor)
    try:
        with reading(kontor.engine) as connection:
            rows = export_rows(log.entries(connection, tenant, query))
            if format is ExportFormat.XLSX and output is not None:
                write_xlsx(output, rows, "audit")
            elif output is not None:
                with output.open("w", encoding="utf-8", newline="") as target:
                    target.writelines(csv_lines(rows))
            else:
                sys.stdout.writelines(csv_lines(rows))
    finally:
        kontor.engine.dispose()


@app.command("erase")
def erase(
    tenant: str = typer.Option(..., help="The tenant of the data subject."),
    subject: str = typer.Option(..., help="The data subject's reference, e.g. case:4711."),
    actor: str = typer.Option(..., help="Who orders the erasure (user id, recorded)."),
) -> None:
    """Erase a data subject's personal values from the log; the chain stays verifiable."""
    kontor, log = _wired()
    try:
        with kontor.bus.unit_of_work() as uow:
            erased = log.erase_subject(uow.connection, tenant, subject, actor, uow.clock.now())
            uow.commit()
    finally:
        kontor.engine.dispose()
    print_json({"tenant_id": tenant, "subject": subject, "erased_entries": erased})
