"""The caller's notifications: listed oldest first, marked read one by one, streamed live (SSE).

The stream sends the unread notifications first, then each new one as it is written; a
reconnecting browser's ``Last-Event-ID`` resumes after the last one it got. It holds no database
connection while it waits: it is woken in-process when its user is notified and looks at the
table every ``KONTOR_NOTIFICATION_POLL_SECONDS`` for notifications written by other processes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel
from sse_starlette import EventSourceResponse, ServerSentEvent

from kontor.api.body_routes import StrictJsonRoute
from kontor.api.security import PrincipalProvider, requires
from kontor.api.wiring import kontor_of
from kontor.bootstrap import Kontor
from kontor.db import reading
from kontor.platform import SIGNED_IN, Principal
from kontor.platform.notifications import Notification, NotificationStore

router = APIRouter(prefix="/api/notifications", tags=["notifications"], route_class=StrictJsonRoute)
STREAM_BATCH = 100
PING_SECONDS = 15  # keeps proxies from closing a quiet stream
NotificationId = Annotated[str, Path(max_length=36)]


class NotificationOut(BaseModel):
    """One notification of the caller."""

    notification_id: str
    kind: str
    subject: str
    data: dict[str, Any]
    created_at: dt.datetime
    read_at: dt.datetime | None

    @classmethod
    def of(cls, notification: Notification) -> NotificationOut:
        """The response body for ``notification``."""
        return cls(**vars(notification))


@router.get("")
def list_notifications(
    request: Request,
    caller: Annotated[Principal, requires(SIGNED_IN)],
    unread: bool = False,
    after: Annotated[str | None, Query(max_length=36, description="a notification id")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[NotificationOut]:
    """The caller's notifications, oldest first (``limit=1``: the next one)."""
    with reading(kontor_of(request).engine) as connection:
        store = NotificationStore(connection, caller.tenant_id)
        found = store.of_user(caller.user_id, unread=unread, after=after, limit=limit)
    return [NotificationOut.of(n) for n in found]


@router.post("/{notification_id}/read")
def mark_read(
    request: Request,
    caller: Annotated[Principal, requires(SIGNED_IN)],
    notification_id: NotificationId,
) -> NotificationOut:
    """Mark one of the caller's notifications read (for the caller only)."""
    with kontor_of(request).bus.unit_of_work() as uow:
        store = NotificationStore(uow.connection, caller.tenant_id)
        notification = store.mark_read(caller.user_id, notification_id, uow.clock.now())
        uow.commit()
    return NotificationOut.of(notification)


@router.get("/stream", response_class=EventSourceResponse)
async def stream_notifications(
    request: Request, caller: Annotated[Principal, requires(SIGNED_IN)]
) -> EventSourceResponse:
    """Server-Sent Events: the caller's unread notifications, then each new one live."""
    after = request.headers.get("last-event-id") or None
    events = _live(request, kontor_of(request), caller, after[:36] if after else None)
    return EventSourceResponse(events, ping=PING_SECONDS)


async def _live(
    request: Request, kontor: Kontor, caller: Principal, after: str | None
) -> AsyncIterator[ServerSentEvent]:
    hub = kontor.notification_hub
    poll = kontor.settings.notification_poll_seconds
    checked_at = anyio.current_time()
    with hub.listening(caller.tenant_id, caller.user_id) as woken:
        while True:
            woken.clear()  # before looking: a wake while we look is not lost
            batch = await anyio.to_thread.run_sync(_unread, kontor, caller, after)
            for notification in batch:
                body = NotificationOut.of(notification).model_dump_json()
                yield ServerSentEvent(body, event="notification", id=notification.notification_id)
                after = notification.notification_id
            if len(batch) == STREAM_BATCH:
                continue
            with anyio.move_on_after(poll):
                await woken.wait()
            if anyio.current_time() - checked_at >= poll:
                if not await _still_signed_in(request, caller):
                    return  # the session ended or the user was deactivated meanwhile
                checked_at = anyio.current_time()


def _unread(kontor: Kontor, caller: Principal, after: str | None) -> list[Notification]:
    with reading(kontor.engine) as connection:
        store = NotificationStore(connection, caller.tenant_id)
        return store.of_user(caller.user_id, unread=True, after=after, limit=STREAM_BATCH)


async def _still_signed_in(request: Request, caller: Principal) -> bool:
    provider: PrincipalProvider = request.app.state.principal_provider
    principal = await anyio.to_thread.run_sync(provider, request)
    return principal is not None and principal.user_id == caller.user_id
