"""Which events notify whom: components and applications declare it, the notifier follows it.

A rule names an event type, how to word the notification and who receives it: the members of
a group of the event's tenant, or the user an event field names (an assignee, a starter).
Recipients are always users of the event's tenant; a named user of another tenant or no user at
all receives nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, bindparam, func, or_, select

from kontor.db.fast import FastStatement
from kontor.messaging import Event, MessageError
from kontor.platform.tables import memberships, users

E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class Notice:
    """What a notification says: a short subject and references for the UI."""

    subject: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupMembers:
    """The active members of one group of the event's tenant."""

    group_id: str

    def user_ids(self, connection: Connection, tenant_id: str, event: Event) -> set[str]:
        """The recipients among the tenant's users."""
        del event
        params = {"b_tenant": tenant_id, "b_group": self.group_id}
        return {row.user_id for row in _GROUP_MEMBERS.all_rows(connection, params)}


@dataclass(frozen=True)
class NamedUser:
    """The active user (by id or login) that ``named`` reads from the event, if any."""

    named: Callable[[Any], str | None]

    def user_ids(self, connection: Connection, tenant_id: str, event: Event) -> set[str]:
        """The recipient, if the event names a user of its tenant."""
        name = self.named(event)
        if not name:
            return set()
        params = {"b_tenant": tenant_id, "b_name": name}
        return {row.user_id for row in _NAMED_USER.all_rows(connection, params)}


# every notified event asks one of these: built once, run on the driver's cursor
_GROUP_MEMBERS = FastStatement(
    select(users.c.user_id)
    .join(
        memberships,
        (memberships.c.tenant_id == users.c.tenant_id) & (memberships.c.user_id == users.c.user_id),
    )
    .where(
        users.c.tenant_id == bindparam("b_tenant"),
        users.c.active,
        memberships.c.group_id == bindparam("b_group"),
    )
)
_NAMED_USER = FastStatement(
    select(users.c.user_id).where(
        users.c.tenant_id == bindparam("b_tenant"),
        users.c.active,
        or_(
            users.c.user_id == bindparam("b_name"),
            users.c.login == func.lower(bindparam("b_name")),
        ),
    )
)

Recipients = GroupMembers | NamedUser


@dataclass(frozen=True)
class NotificationRule(Generic[E]):
    """Events of ``event_type`` notify ``recipients`` with the notice ``describe`` words."""

    event_type: type[E]
    describe: Callable[[E], Notice]
    recipients: tuple[Recipients, ...]

    def user_ids(self, connection: Connection, event: E) -> set[str]:
        """Everyone this rule notifies of ``event``, once each."""
        found: set[str] = set()
        for recipients in self.recipients:
            found |= recipients.user_ids(connection, event.tenant_id, event)
        return found


class NotificationRules:
    """The declared rules, by event type; each event type is declared once."""

    def __init__(self) -> None:
        self._rules: dict[str, NotificationRule[Any]] = {}

    def notify(
        self,
        event_type: type[E],
        describe: Callable[[E], Notice],
        recipients: Iterable[Recipients],
    ) -> None:
        """Declare that events of ``event_type`` notify ``recipients`` as ``describe`` says."""
        if event_type.type_name in self._rules:
            raise MessageError(f"notifications of {event_type.type_name!r} are already declared")
        self._rules[event_type.type_name] = NotificationRule(
            event_type, describe, tuple(recipients)
        )

    def __iter__(self) -> Iterator[NotificationRule[Any]]:
        """The declared rules."""
        return iter(self._rules.values())
