"""Installed and migrated databases, copied from one template per test process.

A fresh installation is ``kontor db upgrade`` plus the operator tenant and user created on the
command line. Each of those commands is a Python process importing all of Kontor, so a process
installs ONE template per backend that way (lazily, on first use) and every server after that
starts on a copy: a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL. A
template lives only as long as its test process (``drop_templates`` at the session's end), so it
is always built by the code under test, never by an older checkout.

The ``engine`` fixture's SQLite files are copies of a template migrated the same way
(``copy_migrated_sqlite``); PostgreSQL tests keep migrating a schema of their own, as a copied
database would cost a ``DROP DATABASE`` (seconds) per test.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import closing
from pathlib import Path

from sqlalchemy import make_url, text
from sqlalchemy.exc import OperationalError

from kontor import db
from kontor.bootstrap import load_schema
from support.backends import POSTGRES_URL, UNFLUSHED_COMMITS

KONTOR = [sys.executable, "-m", "kontor.cli"]
OPERATOR_LOGIN = "ops@example.org"
OPERATOR_PASSWORD = "ein langes Passwort für den Betrieb"
TEMPLATE_BUSY_ATTEMPTS = 50
"""How often ``CREATE DATABASE … TEMPLATE`` is retried while autovacuum visits the template."""

_sqlite_template: Path | None = None
_migrated_sqlite_template: Path | None = None
_postgres_template: str | None = None
_installed: set[str] = set()


def _plain_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment without the caller's KONTOR_ settings, data in ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONTOR_")}
    return {**env, "KONTOR_DATA_DIR": str(data_dir), **extra}


def install_operator(env: dict[str, str], *, maybe_installed: bool = False) -> None:
    """Migrate and create the operator tenant with one user, as a fresh installation does.

    ``maybe_installed``: the database may have been installed before (then it only migrates).
    """
    subprocess.run([*KONTOR, "db", "upgrade"], env=env, check=True, capture_output=True)
    if maybe_installed:
        tenants = subprocess.run(
            [*KONTOR, "tenant", "list"], env=env, check=True, capture_output=True, text=True
        )
        if "betrieb" in tenants.stdout:
            return
    for command in (
        ["tenant", "create", "betrieb", "--name", "Betrieb", "--kind", "operator"],
        ["user", "create", "--tenant", "betrieb", "--login", OPERATOR_LOGIN,
         "--group", "operator_staff", "--password-stdin"],
    ):  # fmt: skip
        subprocess.run(
            [*KONTOR, *command], env=env, input=OPERATOR_PASSWORD, text=True, check=True,
            capture_output=True,
        )  # fmt: skip


def sqlite_file(env: dict[str, str]) -> Path | None:
    """The SQLite file the server of ``env`` uses; None when it is given a database URL."""
    if env.get("KONTOR_DATABASE_URL"):
        return None
    return Path(env["KONTOR_DATA_DIR"]) / "kontor.db"


def is_installed(env: dict[str, str]) -> bool:
    """Whether the database of ``env`` was installed here (a server restarting on it)."""
    return database_key(env) in _installed


def database_key(env: dict[str, str]) -> str:
    """The database of ``env``: its URL, or its SQLite file."""
    return env.get("KONTOR_DATABASE_URL") or str(sqlite_file(env))


def install_sqlite(env: dict[str, str]) -> None:
    """Give ``env``'s data folder an installed database: a copy of this process's template."""
    target = sqlite_file(env)
    assert target is not None, "a server given a database URL has no SQLite file"
    assert not target.exists(), f"{target} is not a fresh database"
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy_sqlite(_sqlite_template_file(), target)
    _installed.add(database_key(env))


def _sqlite_template_file() -> Path:
    """The installed SQLite template of this process, built on first use."""
    global _sqlite_template
    if _sqlite_template is None:
        folder = Path(tempfile.mkdtemp(prefix="kontor-template-"))
        install_operator(_plain_env(folder))
        _sqlite_template = folder / "kontor.db"
    return _sqlite_template


def copy_migrated_sqlite(target: Path) -> None:
    """Put a migrated SQLite database (no tenants yet) at ``target``, copied from a template
    that this process migrated with ``db.upgrade`` on first use."""
    global _migrated_sqlite_template
    if _migrated_sqlite_template is None:
        folder = Path(tempfile.mkdtemp(prefix="kontor-migrated-"))
        load_schema()
        engine = db.create_database_engine(f"sqlite:///{folder / 'kontor.db'}")
        try:
            db.upgrade(engine)
        finally:
            engine.dispose()
        _migrated_sqlite_template = folder / "kontor.db"
    _copy_sqlite(_migrated_sqlite_template, target)


def _copy_sqlite(source_file: Path, target: Path) -> None:
    """Copy a SQLite database page by page (SQLite's backup)."""
    with (
        closing(sqlite3.connect(source_file)) as source,
        closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy)


def postgres_database_url(name: str) -> str:
    """The test PostgreSQL URL pointing at database ``name``."""
    assert POSTGRES_URL
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={UNFLUSHED_COMMITS}"


def create_installed_postgres_database() -> str:
    """Create an installed PostgreSQL database of its own (from the template); its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    template = _postgres_template_name()
    for _attempt in range(TEMPLATE_BUSY_ATTEMPTS):
        try:
            _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            break
        except OperationalError as error:  # autovacuum is visiting the template: try again
            if "is being accessed by other users" not in str(error):
                raise
            time.sleep(0.2)  # waiting for autovacuum to leave, not deciding an outcome
    else:
        raise AssertionError(f"the template {template} stayed busy")
    url = postgres_database_url(name)
    _installed.add(url)
    return url


def drop_postgres_database(url: str) -> None:
    """Drop a database made by ``create_installed_postgres_database``, ending its sessions."""
    name = make_url(url).database
    _installed.discard(url)
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres_template_name() -> str:
    """The installed PostgreSQL template database of this process, built on first use."""
    global _postgres_template
    if _postgres_template is None:
        name = f"kontor_template_{uuid.uuid4().hex[:12]}"
        _admin_execute(f'CREATE DATABASE "{name}"')
        folder = Path(tempfile.mkdtemp(prefix="kontor-template-"))
        try:
            install_operator(_plain_env(folder, KONTOR_DATABASE_URL=postgres_database_url(name)))
        except BaseException:
            _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            raise
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        # Nobody connects to a template any more (autovacuum neither), so copies never wait.
        _admin_execute(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false')
        _postgres_template = name
    return _postgres_template


def drop_templates() -> None:
    """Remove this process's templates (at the end of its test session)."""
    global _sqlite_template, _migrated_sqlite_template, _postgres_template
    for template in (_sqlite_template, _migrated_sqlite_template):
        if template is not None:
            shutil.rmtree(template.parent, ignore_errors=True)
    _sqlite_template = _migrated_sqlite_template = None
    if _postgres_template is not None:
        _admin_execute(f'ALTER DATABASE "{_postgres_template}" WITH IS_TEMPLATE false')
        _admin_execute(f'DROP DATABASE IF EXISTS "{_postgres_template}" WITH (FORCE)')
        _postgres_template = None


def _admin_execute(statement: str) -> None:
    """Run one statement outside a transaction on the test PostgreSQL server."""
    admin = db.create_database_engine(POSTGRES_URL or "")
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()
