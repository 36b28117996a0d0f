"""People as a person reads them: user ids shown as the users' names."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

from kontor.errors import KontorError
from kontor.platform import Directory


def display_names(
    connection: Connection,
    tenant_id: str,
    user_ids: Iterable[str | None],
    known: dict[str, str] | None = None,
) -> dict[str, str]:
    """The display name of each user id of ``tenant_id`` (the id itself when there is none).

    ``known`` caches names across calls (an export reads many chunks); it is filled in place.
    """
    names = known if known is not None else {}
    directory = Directory(connection, tenant_id)
    for user_id in user_ids:
        if user_id is None or user_id in names:
            continue
        try:
            names[user_id] = directory.user(user_id).display_name
        except KontorError:  # a process's user, or one deleted since
            names[user_id] = user_id
    return names
