"""``kontor case``: list and show a tenant's cases."""

from __future__ import annotations

from typing import Annotated

import typer

from kontor.bootstrap import bootstrap
from kontor.casework.cases import CaseFilter, CaseStore, Timeline, data_filters
from kontor.cli.common import fail, load_settings, print_json
from kontor.db import reading
from kontor.errors import KontorError

app = typer.Typer(help="Cases (Vorgänge).", no_args_is_help=True)


@app.command("list")
def list_cases(
    tenant: str = typer.Option(..., help="The tenant whose cases to list."),
    case_type: str | None = typer.Option(None, "--type", help="Only cases of this type."),
    status: str | None = typer.Option(None, help="Only cases in this status."),
    owner: str | None = typer.Option(None, help="Only cases of this owner."),
    group: str | None = typer.Option(None, help="Only cases of this responsible group."),
    business_key: str | None = typer.Option(None, help="Only the case with this key."),
    data: Annotated[
        list[str] | None, typer.Option(help="field:value, equal data field; repeatable.")
    ] = None,
    limit: int = typer.Option(50, min=1, max=500, help="At most this many."),
    after: str | None = typer.Option(None, help="The next_cursor of the previous page."),
) -> None:
    """A page of cases in creation order, with the cursor of the next page."""
    kontor = bootstrap(load_settings())
    try:
        wanted = CaseFilter(case_type, status, owner, group, business_key, data_filters(data or []))
        with reading(kontor.engine) as connection:
            page = CaseStore(connection, tenant).page(wanted, limit, after)
    except KontorError as error:
        fail(error.message)
    finally:
        kontor.engine.dispose()
    print_json({"items": [vars(case) for case in page.items], "next_cursor": page.next_cursor})


@app.command("show")
def show(
    case_id: str = typer.Argument(..., help="The case's id."),
    tenant: str = typer.Option(..., help="The tenant the case belongs to."),
) -> None:
    """A case with its links and timeline."""
    kontor = bootstrap(load_settings())
    try:
        with reading(kontor.engine) as connection:
            store = CaseStore(connection, tenant)
            case = store.get(case_id)
            links = store.links(case_id)
            timeline = Timeline(connection, tenant).entries(case_id)
    except KontorError as error:
        fail(error.message)
    finally:
        kontor.engine.dispose()
    print_json(
        vars(case)
        | {
            "links": [{"kind": kind, "target_id": target} for kind, target in links],
            "timeline": [vars(entry) for entry in timeline],
        }
    )
