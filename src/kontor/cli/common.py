"""Helpers shared by the sub-commands: settings, logging and clear errors."""

from __future__ import annotations

import json
from typing import Any, NoReturn

import typer
from pydantic import ValidationError
from sqlalchemy import Engine

from kontor import db
from kontor.observability import configure_logging
from kontor.settings import Settings


def load_settings() -> Settings:
    """Read settings from the environment, exiting with a readable message when invalid."""
    try:
        settings = Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors()
        )
        fail(f"invalid settings: {problems}")
    configure_logging(settings.log_level, json_lines=settings.json_logs)
    return settings


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` to stderr and exit with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON."""
    typer.echo(json.dumps(value, indent=2, default=str, ensure_ascii=False))


def require_migrated(engine: Engine) -> None:
    """Exit with a readable message unless the database is at exactly this version's
    migrations (behind: upgrade it; ahead: a newer version migrated it)."""
    current = db.current_revisions(engine)
    if current == db.head_revisions():
        return
    newer = db.unknown_revisions(current)
    if newer:
        fail(
            f"the database was migrated by a newer version of Kontor (revision "
            f"{', '.join(sorted(newer))}): run that version"
        )
    fail("the database lacks migrations Kontor needs: run 'kontor db upgrade' first")
