"""Portal accesses (Portalzugänge): a broker's BiPRO login at an insurer, password encrypted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from kontor.db.ids import time_ordered_id
from kontor.errors import Conflict, InvalidInput, NotFound
from kontor.integration.bipro.client import Portal
from kontor.integration.bipro.tables import portal_accesses
from kontor.integration.scheduler import Timing
from kontor.platform import SecretBox, UndecryptableSecret

NOTIFY, START_PROCESS, CREATE_TASK = "notify", "start_process", "create_task"
ON_NEW = (NOTIFY, START_PROCESS, CREATE_TASK)
"""What a new shipment does besides notifying the owner."""
EVERY_TWO_HOURS = "0 */2 * * *"


@dataclass(frozen=True)
class AccessDraft:
    """What a portal access holds, as a caller gives it (the password in clear)."""

    name: str
    insurer: str
    sts_url: str
    transfer_url: str
    username: str
    password: str = field(repr=False)
    on_new: str = NOTIFY
    process_key: str | None = None
    task_group: str | None = None
    poll_cron: str = EVERY_TWO_HOURS


@dataclass(frozen=True)
class Access:
    """A portal access as the API shows it: never its password."""

    access_id: str
    tenant_id: str
    name: str
    insurer: str
    sts_url: str
    transfer_url: str
    username: str
    owner_id: str
    on_new: str
    process_key: str | None
    task_group: str | None
    poll_cron: str
    last_polled_at: dt.datetime | None
    last_outcome: str | None
    last_error: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


EDITABLE = frozenset(AccessDraft.__dataclass_fields__)
OPTIONAL = frozenset({"process_key", "task_group"})


class AccessStore:
    """The portal accesses of one tenant."""

    def __init__(self, connection: Connection, tenant_id: str, box: SecretBox) -> None:
        self._connection = connection
        self._tenant_id = tenant_id
        self._box = box

    def create(self, draft: AccessDraft, owner_id: str, now: dt.datetime) -> Access:
        """Store an access; its password is encrypted and never shown again."""
        check(draft)
        access_id = time_ordered_id()
        values = {name: getattr(draft, name) for name in EDITABLE if name != "password"}
        try:
            with self._connection.begin_nested():
                self._connection.execute(
                    insert(portal_accesses).values(
                        **values,
                        access_id=access_id,
                        tenant_id=self._tenant_id,
                        password_encrypted=self._box.encrypt(draft.password, _context(access_id)),
                        owner_id=owner_id,
                        created_at=now,
                        updated_at=now,
                    )
                )
        except IntegrityError:
            raise Conflict(f"a portal access named {draft.name!r} exists", field="name") from None
        return self.get(access_id)

    def update(self, access_id: str, changes: dict[str, Any], now: dt.datetime) -> Access:
        """Change an access; a new password is encrypted like the first."""
        current = self.get(access_id)
        password = changes.pop("password", None)
        unknown = sorted(set(changes) - EDITABLE)
        if unknown:
            raise InvalidInput(f"{unknown[0]} cannot be changed", field=unknown[0])
        cleared = sorted(name for name, value in changes.items() if value is None)
        required = [name for name in cleared if name not in OPTIONAL]
        if required:
            raise InvalidInput(f"{required[0]} may not be null", field=required[0])
        merged = {name: getattr(current, name) for name in EDITABLE if name != "password"}
        merged.update(changes)
        check(AccessDraft(**merged, password=password or "unchanged"))
        values: dict[str, Any] = {**changes, "updated_at": now}
        if password:
            values["password_encrypted"] = self._box.encrypt(password, _context(access_id))
        try:
            with self._connection.begin_nested():
                self._connection.execute(
                    update(portal_accesses).where(*self._mine(access_id)).values(**values)
                )
        except IntegrityError:
            raise Conflict(
                f"a portal access named {merged['name']!r} exists", field="name"
            ) from None
        return self.get(access_id)

    def all(self) -> list[Access]:
        """The tenant's accesses by name."""
        rows = self._connection.execute(
            select(portal_accesses)
            .where(portal_accesses.c.tenant_id == self._tenant_id)
            .order_by(portal_accesses.c.name)
        )
        return [_access(row) for row in rows]

    def get(self, access_id: str) -> Access:
        """One access of the tenant; NotFound for any other."""
        return _access(self._row(access_id))

    def portal(self, access_id: str) -> tuple[Access, Portal]:
        """The access with its login, the password decrypted (for the poller only)."""
        row = self._row(access_id)
        try:
            password = self._box.decrypt(row.password_encrypted, _context(access_id))
        except UndecryptableSecret:
            raise Conflict(
                f"the password of portal access {access_id!r} does not decrypt under the "
                "current secret key; store it anew",
                field="password",
            ) from None
        return _access(row), Portal(row.sts_url, row.transfer_url, row.username, password)

    def delete(self, access_id: str) -> None:
        """Delete an access with its login (its inbox stays)."""
        self.get(access_id)
        self._connection.execute(delete(portal_accesses).where(*self._mine(access_id)))

    def request_poll(self, access_id: str, now: dt.datetime) -> None:
        """Mark the access for the background poller."""
        self.get(access_id)
        self._connection.execute(
            update(portal_accesses).where(*self._mine(access_id)).values(poll_requested_at=now)
        )

    def lease(self, access_id: str, now: dt.datetime, until: dt.datetime) -> bool:
        """Take the access for one poll until ``until``; False if another poll holds it."""
        self.get(access_id)
        taken = self._connection.execute(
            update(portal_accesses)
            .where(
                *self._mine(access_id),
                or_(portal_accesses.c.lease_until.is_(None), portal_accesses.c.lease_until <= now),
            )
            .values(lease_until=until)
        )
        return taken.rowcount == 1

    def finish_poll(self, access_id: str, now: dt.datetime, error: str | None) -> None:
        """Record a poll's outcome and release the access."""
        self._connection.execute(
            update(portal_accesses)
            .where(*self._mine(access_id))
            .values(
                last_polled_at=now,
                last_outcome="failed" if error else "ok",
                last_error=None if error is None else error[:1000],
                lease_until=None,
                poll_requested_at=None,
            )
        )

    def _mine(self, access_id: str) -> tuple[Any, ...]:
        return (
            portal_accesses.c.tenant_id == self._tenant_id,
            portal_accesses.c.access_id == access_id,
        )

    def _row(self, access_id: str) -> Any:
        row = self._connection.execute(
            select(portal_accesses).where(*self._mine(access_id))
        ).first()
        if row is None:
            raise NotFound(f"no portal access {access_id!r}", access_id=access_id)
        return row


def requested_polls(connection: Connection, now: dt.datetime, limit: int) -> list[tuple[str, str]]:
    """(tenant, access) of accesses whose scheduled poll is due and not leased, oldest first."""
    rows = connection.execute(
        select(portal_accesses.c.tenant_id, portal_accesses.c.access_id)
        .where(
            portal_accesses.c.poll_requested_at.is_not(None),
            or_(portal_accesses.c.lease_until.is_(None), portal_accesses.c.lease_until <= now),
        )
        .order_by(portal_accesses.c.poll_requested_at)
        .limit(limit)
    )
    return [(row.tenant_id, row.access_id) for row in rows]


def check(draft: AccessDraft) -> None:
    """Refuse a draft that cannot be polled, naming the field."""
    for name in ("name", "insurer", "username", "password"):
        if not getattr(draft, name).strip():
            raise InvalidInput(f"{name} may not be empty", field=name)
    for name in ("sts_url", "transfer_url"):
        try:
            parts = urlsplit(getattr(draft, name))
        except ValueError:
            raise InvalidInput("no readable URL", field=name) from None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput("an http or https URL", field=name)
    if draft.on_new not in ON_NEW:
        raise InvalidInput(f"one of {', '.join(ON_NEW)}", field="on_new")
    if draft.on_new == START_PROCESS and not draft.process_key:
        raise InvalidInput("start_process needs a process_key", field="process_key")
    try:
        Timing(draft.poll_cron)
    except InvalidInput as error:
        raise InvalidInput(error.message, field="poll_cron") from None


def _access(row: Any) -> Access:
    return Access(**{name: getattr(row, name) for name in Access.__dataclass_fields__})


def _context(access_id: str) -> str:
    return f"bipro-portal-access:{access_id}"


def rotate_portal_passwords(connection: Connection, box: SecretBox) -> int:
    """Seal every portal password still under a retired key anew under the current one; how
    many."""
    table = portal_accesses
    rows = connection.execute(select(table.c.access_id, table.c.password_encrypted)).all()
    return box.reseal_all(
        rows,
        _context,
        lambda key, fresh: connection.execute(
            update(table).where(table.c.access_id == key).values(password_encrypted=fresh)
        ),
    )
