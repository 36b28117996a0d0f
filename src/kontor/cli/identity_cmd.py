"""``kontor tenant`` and ``kontor user``: the operator's tools, also on a fresh install."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from kontor import db
from kontor.bootstrap import bootstrap, load_schema
from kontor.cli.common import fail, load_settings, print_json, require_migrated
from kontor.errors import KontorError
from kontor.messaging import SystemClock, UnitOfWork
from kontor.platform import (
    CREATE_TENANT,
    CREATE_USER,
    Authenticator,
    Directory,
    SessionStore,
    TenantKind,
    TenantStore,
    User,
    broker_system,
    deactivate_user,
    delete_broker_system,
    find_user,
    provision_tenant,
    record_identity_change,
    recording_tenant,
)
from kontor.platform_wiring import audit_log, authenticator_for

tenant_app = typer.Typer(help="Tenants: operator, insurer, broker systems.", no_args_is_help=True)
user_app = typer.Typer(
    help="Users: create, list, reset passwords, deactivate.", no_args_is_help=True
)

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


@contextmanager
def _work() -> Iterator[tuple[UnitOfWork, Authenticator]]:
    settings = load_settings()
    engine = db.create_database_engine(settings.effective_database_url)
    try:
        require_migrated(engine)
        audit = audit_log(settings)  # what the operator does here is audited too
        with _reported(), UnitOfWork(engine, SystemClock(), change_log=audit) as uow:
            yield uow, authenticator_for(settings)
    finally:
        engine.dispose()


@contextmanager
def _reported() -> Iterator[None]:
    try:
        yield
    except KontorError as error:
        fail(f"{error.message} ({', '.join(f'{k}={v}' for k, v in error.details.items())})")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def _user_json(user: User, directory: Directory) -> dict[str, object]:
    return {
        "user_id": user.user_id,
        "tenant_id": user.tenant_id,
        "login": user.login,
        "display_name": user.display_name,
        "active": user.active,
        "groups": sorted(directory.group_ids_of(user.user_id)),
    }


@tenant_app.command("create")
def create_tenant(
    tenant_id: Annotated[str, typer.Argument(help="Lower-case id, e.g. 'makler-a'.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    kind: Annotated[TenantKind, typer.Option(help="operator, insurer or broker.")] = (
        TenantKind.BROKER
    ),
    parent: Annotated[str | None, typer.Option(help="The tenant a broker system hangs under.")] = (
        None
    ),
    allow_sub_brokers: Annotated[
        bool, typer.Option(help="Let this broker system hold broker systems of its own.")
    ] = False,
) -> None:
    """Create a tenant with the groups of its kind."""
    with _work() as (uow, _):
        if parent is not None:
            TenantStore(uow.connection).get(parent)
        tenant = provision_tenant(
            uow.connection,
            tenant_id,
            name,
            kind,
            uow.clock.now(),
            parent_tenant_id=parent,
            allows_sub_brokers=allow_sub_brokers,
        )
        record_identity_change(
            uow, CREATE_TENANT, ("tenant", tenant_id), parent or tenant_id, None,
            kind=kind.value, allows_sub_brokers=allow_sub_brokers,
        )  # fmt: skip
        uow.commit()
    typer.echo(f"tenant {tenant.tenant_id} ({tenant.kind.value}) created")


@tenant_app.command("list")
def list_tenants() -> None:
    """Print every tenant as JSON."""
    with _work() as (uow, _):
        print_json([tenant.__dict__ for tenant in TenantStore(uow.connection).list()])


@tenant_app.command("delete")
def delete_tenant(
    tenant_id: Annotated[str, typer.Argument(help="The broker system to delete.")],
    yes: Annotated[bool, typer.Option("--yes", help="Delete without asking.")] = False,
) -> None:
    """Delete a broker system for good: every row of it and of the broker systems below it.

    The deletion is recorded in the audit log of its parent tenant (else the operator's).
    """
    if not yes:
        typer.confirm(f"Delete broker system {tenant_id} and all its data for good?", abort=True)
    kontor = bootstrap(load_settings())
    try:
        with _reported(), kontor.bus.unit_of_work() as uow:
            tenant = broker_system(uow.connection, tenant_id)
            deleted = delete_broker_system(
                uow,
                load_schema(),
                tenant,
                actor=None,
                recorded_in=recording_tenant(uow.connection, tenant),
                endings=kontor.administration.deletion_endings,
            )
            uow.commit()
    finally:
        kontor.engine.dispose()
    print_json({"tenant_ids": deleted.tenant_ids, "deleted_rows": deleted.rows})


@user_app.command("create")
def create_user(
    tenant: Annotated[str, typer.Option(help="The user's tenant.")],
    login: Annotated[str, typer.Option(help="Login name (unique across tenants).")],
    group: Annotated[list[str], typer.Option(help="A group to join (repeat for more).")],
    name: Annotated[str | None, typer.Option(help="Display name (default: the login).")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail (default: the login).")] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a user, e.g. the first operator of a fresh install."""
    password = _password(password_stdin)
    with _work() as (uow, authenticator):
        TenantStore(uow.connection).get(tenant)
        directory = Directory(uow.connection, tenant)
        user = directory.add_user(
            login=login,
            display_name=name or login,
            email=email or login,
            group_ids=group,
            now=uow.clock.now(),
        )
        record_identity_change(
            uow, CREATE_USER, ("user", user.user_id), tenant, None, groups=sorted(group),
            invited=False,
        )  # fmt: skip
        authenticator.set_password(
            uow, tenant, user.user_id, password, login=user.login, actor=None, reason="initial"
        )
        uow.commit()
        print_json(_user_json(user, directory))


@user_app.command("list")
def list_users(
    tenant: Annotated[str, typer.Option(help="The tenant whose users to list.")],
) -> None:
    """Print the users of a tenant as JSON."""
    with _work() as (uow, _):
        TenantStore(uow.connection).get(tenant)
        directory = Directory(uow.connection, tenant)
        print_json([_user_json(user, directory) for user in directory.users()])


@user_app.command("reset-password")
def reset_password(
    login: Annotated[str, typer.Argument(help="The user's login name.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a new password for a user; all their sessions end."""
    password = _password(password_stdin)
    with _work() as (uow, authenticator):
        user = _user(uow, login)
        authenticator.set_password(
            uow, user.tenant_id, user.user_id, password, login=user.login, actor=None,
            reason="reset_by_operator",
        )  # fmt: skip
        ended = SessionStore(uow.connection).end_all(user.tenant_id, user.user_id, uow.clock.now())
        uow.commit()
    typer.echo(f"password of {user.login} set; {ended} session(s) ended")


@user_app.command("deactivate")
def deactivate(login: Annotated[str, typer.Argument(help="The user's login name.")]) -> None:
    """Deactivate a user: their sessions end and their API tokens are revoked."""
    with _work() as (uow, _):
        user = _user(uow, login)
        deactivate_user(uow, user.tenant_id, user.user_id, actor=None)
        uow.commit()
    typer.echo(f"{user.login} deactivated")


def _user(uow: UnitOfWork, login: str) -> User:
    user = find_user(uow.connection, login)
    if user is None:
        fail(f"no user with login {login!r}")
    return user
