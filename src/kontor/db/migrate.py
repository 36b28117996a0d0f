"""Schema migrations (Alembic) run programmatically against one engine.

Each component keeps its own branch of revisions starting from the foundation revision, so
components add tables without ordering their migrations against each other; upgrading goes to
every branch head.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic configuration that migrates ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Migrate the database of ``engine`` up to ``revision`` (default: every branch head)."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database of ``engine`` down to ``revision``."""
    command.downgrade(alembic_config(engine), revision)


def current_revisions(engine: Engine) -> frozenset[str]:
    """The revisions the database of ``engine`` is at (empty when never migrated)."""
    with engine.connect() as connection:
        return frozenset(MigrationContext.configure(connection).get_current_heads())


def head_revisions() -> frozenset[str]:
    """The newest revision of every branch Kontor ships."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def is_up_to_date(engine: Engine) -> bool:
    """Whether the database of ``engine`` has every migration applied."""
    return current_revisions(engine) == head_revisions()


def unknown_revisions(revisions: frozenset[str]) -> frozenset[str]:
    """Those of ``revisions`` that this version does not ship (a newer one migrated there)."""
    shipped = ScriptDirectory.from_config(alembic_config()).walk_revisions()
    return revisions - {script.revision for script in shipped}
