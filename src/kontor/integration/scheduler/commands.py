"""Which commands a schedule may send, and the permission its author must hold for each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from kontor.integration.scheduler.errors import CommandNotSchedulable
from kontor.messaging import Command
from kontor.messaging.messages import ENVELOPE_FIELDS

_RESERVED = frozenset(ENVELOPE_FIELDS) | {"actor"}


class SchedulableCommands:
    """The commands schedules may send (start a process, run an import, …), each with the
    permission the schedule's author needs to send it by hand."""

    def __init__(self) -> None:
        self._allowed: dict[str, tuple[type[Command], str]] = {}

    def allow(self, command_type: type[Command], permission: str) -> None:
        """Let schedules send ``command_type`` if their author holds ``permission``."""
        self._allowed[command_type.type_name] = (command_type, permission)

    def names(self) -> list[str]:
        """The type names of the allowed commands."""
        return sorted(self._allowed)

    def permission_for(self, type_name: str) -> str:
        """The permission needed to schedule ``type_name``; refused if it is not allowed."""
        return self._entry(type_name)[1]

    def build(
        self, type_name: str, payload: Mapping[str, Any], tenant_id: str, actor: str | None
    ) -> Command:
        """The command a firing sends; a payload that does not make one is refused by field."""
        command_type, _ = self._entry(type_name)
        reserved = sorted(_RESERVED & set(payload))
        if reserved:
            raise CommandNotSchedulable(
                f"the payload may not set {', '.join(reserved)}",
                field=f"command_payload.{reserved[0]}",
            )
        try:
            return command_type.model_validate({**payload, "tenant_id": tenant_id, "actor": actor})
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise CommandNotSchedulable(
                f"the payload does not make a {type_name!r} command: {where}: {first['msg']}",
                field=f"command_payload.{where}",
            ) from None

    def _entry(self, type_name: str) -> tuple[type[Command], str]:
        try:
            return self._allowed[type_name]
        except KeyError:
            choices = ", ".join(self.names()) or "none"
            raise CommandNotSchedulable(
                f"{type_name!r} is no command a schedule may send (allowed: {choices})",
                field="command_type",
            ) from None


def schedulable(allowed: Iterable[tuple[type[Command], str]]) -> SchedulableCommands:
    """A catalogue allowing each (command type, permission) pair."""
    catalogue = SchedulableCommands()
    for command_type, permission in allowed:
        catalogue.allow(command_type, permission)
    return catalogue
