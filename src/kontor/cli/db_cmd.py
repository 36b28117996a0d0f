"""``kontor db``: migrate and inspect the database."""

from __future__ import annotations

import typer

from kontor import db
from kontor.cli.common import load_settings
from kontor.settings import mask_url_password

app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("heads", help="Target revision.")) -> None:
    """Migrate the database to the newest (or the given) revision."""
    settings = load_settings()
    engine = db.create_database_engine(settings.effective_database_url)
    try:
        db.upgrade(engine, revision)
        typer.echo(
            f"database {mask_url_password(settings.effective_database_url)} "
            f"at revision {_names(db.current_revisions(engine))}"
        )
    finally:
        engine.dispose()


@app.command("downgrade")
def downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. 'base'.")) -> None:
    """Migrate the database down to ``revision``."""
    settings = load_settings()
    engine = db.create_database_engine(settings.effective_database_url)
    try:
        db.downgrade(engine, revision)
        typer.echo(f"database at revision {_names(db.current_revisions(engine))}")
    finally:
        engine.dispose()


@app.command("current")
def current() -> None:
    """Print the database's revision and whether it is the newest."""
    settings = load_settings()
    engine = db.create_database_engine(settings.effective_database_url)
    try:
        current, heads = db.current_revisions(engine), db.head_revisions()
    finally:
        engine.dispose()
    if current == heads:
        state = "up to date"
    elif newer := db.unknown_revisions(current):
        state = f"ahead: {_names(newer)} is newer than this version of Kontor"
    else:
        state = f"behind (newest is {_names(heads)})"
    typer.echo(f"{_names(current)} ({state})")


def _names(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions)) or "base"
