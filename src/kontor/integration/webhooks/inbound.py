"""Inbound webhooks: named endpoints per tenant that verify a signature and a replay window,
keep one receipt per webhook id and hand the payload on as a command, mapped with FEEL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from kontor.db.ids import time_ordered_id
from kontor.db.json_codec import loads
from kontor.errors import Conflict, InvalidInput, NotFound
from kontor.integration.expressions import Expressions
from kontor.integration.webhooks.messages import HandleInboundWebhook
from kontor.integration.webhooks.signing import (
    HMAC,
    SCHEMES,
    STANDARD,
    is_valid_secret,
    new_secret,
    verify_hmac,
    verify_standard,
)
from kontor.integration.webhooks.tables import webhook_endpoints, webhook_receipts
from kontor.messaging import UnitOfWork, message_class
from kontor.platform import SecretBox

ACTIONS = {
    "start_process": "process.start",
    "correlate_message": "process.correlate_message",
    "create_task": "casework.create_task",
    "open_case": "case.open",
}
"""What an endpoint turns its payload into: the command type each action sends."""
PASSED_HEADERS = ("content-type", "user-agent", "webhook-id", "webhook-timestamp")


class ReplayedWebhook(Conflict):
    """An inbound webhook whose id this endpoint has already received."""

    code = "webhooks.replayed_id"


@dataclass(frozen=True)
class Endpoint:
    """An inbound endpoint as the API shows it (no secret)."""

    endpoint_id: str
    tenant_id: str
    name: str
    scheme: str
    signature_header: str
    tolerance_seconds: int
    action: str
    mapping: str
    created_at: dt.datetime


@dataclass(frozen=True)
class EndpointDraft:
    """What a new endpoint asks for."""

    name: str
    action: str
    mapping: str
    scheme: str = STANDARD
    signature_header: str | None = None
    tolerance_seconds: int = 300
    secret: str | None = None


class EndpointStore:
    """The inbound endpoints of one tenant."""

    def __init__(self, connection: Connection, tenant_id: str, box: SecretBox) -> None:
        self._connection = connection
        self._tenant_id = tenant_id
        self._box = box

    def create(
        self, draft: EndpointDraft, expressions: Expressions, now: dt.datetime
    ) -> tuple[Endpoint, str]:
        """Store a new endpoint; returns it with its secret (shown this once)."""
        _check(draft, expressions)
        secret = draft.secret or new_secret()
        endpoint_id = time_ordered_id()
        header = draft.signature_header or (
            "webhook-signature" if draft.scheme == STANDARD else "x-signature-256"
        )
        try:
            with self._connection.begin_nested():
                self._connection.execute(
                    insert(webhook_endpoints).values(
                        endpoint_id=endpoint_id,
                        tenant_id=self._tenant_id,
                        name=draft.name,
                        scheme=draft.scheme,
                        signature_header=header.lower(),
                        secret_encrypted=self._box.encrypt(secret, _context(endpoint_id)),
                        tolerance_seconds=draft.tolerance_seconds,
                        action=draft.action,
                        mapping=draft.mapping,
                        created_at=now,
                    )
                )
        except IntegrityError:
            raise Conflict(f"an endpoint named {draft.name!r} exists", field="name") from None
        return self.get(endpoint_id), secret

    def all(self) -> list[Endpoint]:
        """The tenant's endpoints by name."""
        rows = self._connection.execute(
            select(webhook_endpoints)
            .where(webhook_endpoints.c.tenant_id == self._tenant_id)
            .order_by(webhook_endpoints.c.name)
        )
        return [_endpoint(row) for row in rows]

    def get(self, endpoint_id: str) -> Endpoint:
        """One endpoint of the tenant; NotFound for any other."""
        return _endpoint(self._row(webhook_endpoints.c.endpoint_id == endpoint_id, endpoint_id))

    def delete(self, endpoint_id: str) -> None:
        """Delete an endpoint and its receipts."""
        self.get(endpoint_id)
        for table in (webhook_receipts, webhook_endpoints):
            self._connection.execute(
                delete(table).where(
                    table.c.tenant_id == self._tenant_id, table.c.endpoint_id == endpoint_id
                )
            )

    def receive(
        self,
        name: str,
        body: bytes,
        headers: Mapping[str, str],
        uow: UnitOfWork,
        decode: Callable[[bytes], Any] = loads,
    ) -> str:
        """Verify a request to the endpoint ``name``, keep its receipt, queue its command.

        ``decode`` reads the verified body (the API passes its strict JSON decoder). Returns the
        webhook id. A wrong signature or a timestamp outside the window raises
        ``SignatureRefused``, an id received before ``ReplayedWebhook``.
        """
        row = self._row(webhook_endpoints.c.name == name, name)
        secret = self._box.decrypt(row.secret_encrypted, _context(row.endpoint_id))
        lowered = {key.lower(): value for key, value in headers.items()}
        now = uow.clock.now()
        window = dt.timedelta(seconds=row.tolerance_seconds)
        if row.scheme == HMAC:
            webhook_id = verify_hmac(secret, body, lowered, row.signature_header, now, window)
        else:
            webhook_id = verify_standard(secret, body, lowered, now, window)
        try:
            payload = decode(body) if body.strip() else None
        except ValueError:
            raise InvalidInput("the body is no JSON", field="body") from None
        if len(webhook_id) > 200:
            raise InvalidInput("webhook-id is longer than 200 characters", field="webhook-id")
        known = self._connection.execute(
            select(webhook_receipts.c.webhook_id).where(
                webhook_receipts.c.endpoint_id == row.endpoint_id,
                webhook_receipts.c.webhook_id == webhook_id,
            )
        ).first()
        if known is not None:
            raise ReplayedWebhook(
                f"webhook {webhook_id!r} was received before", webhook_id=webhook_id
            )
        command = HandleInboundWebhook(
            tenant_id=self._tenant_id,
            endpoint_id=row.endpoint_id,
            webhook_id=webhook_id,
            body=payload,
            headers={key: lowered[key] for key in PASSED_HEADERS if key in lowered},
        )
        self._connection.execute(
            insert(webhook_receipts).values(
                tenant_id=self._tenant_id,
                endpoint_id=row.endpoint_id,
                webhook_id=webhook_id,
                received_at=now,
                message_id=command.message_id,
            )
        )
        uow.emit(command)
        return webhook_id

    def _row(self, condition: Any, named: str) -> Any:
        row = self._connection.execute(
            select(webhook_endpoints).where(
                webhook_endpoints.c.tenant_id == self._tenant_id, condition
            )
        ).first()
        if row is None:
            raise NotFound(f"no webhook endpoint {named!r}", endpoint=named)
        return row


class InboundHandler:
    """Handles ``HandleInboundWebhook``: maps the payload with FEEL and sends the command."""

    def __init__(self, expressions: Expressions, box: SecretBox) -> None:
        self._expressions = expressions
        self._box = box

    def __call__(self, command: HandleInboundWebhook, uow: UnitOfWork) -> str:
        """Emit the endpoint's command for this webhook; returns its message id."""
        endpoint = EndpointStore(uow.connection, command.tenant_id, self._box).get(
            command.endpoint_id
        )
        scope = {
            "payload": command.body,
            "headers": command.headers,
            "webhook_id": command.webhook_id,
        }
        fields = self._expressions.evaluate(endpoint.mapping, scope)
        if not isinstance(fields, dict):
            raise InvalidInput(
                f"the mapping of endpoint {endpoint.name!r} gave no context", field="mapping"
            )
        kind = message_class(ACTIONS[endpoint.action])
        try:
            mapped = kind.model_validate({**fields, **command.caused()})
        except ValidationError as error:
            raise InvalidInput(
                f"the mapping of endpoint {endpoint.name!r} does not fit {kind.type_name}: "
                f"{error.errors()[0]['loc']}: {error.errors()[0]['msg']}",
                field="mapping",
            ) from None
        uow.emit(mapped)
        return mapped.message_id


def _check(draft: EndpointDraft, expressions: Expressions) -> None:
    if draft.action not in ACTIONS:
        raise InvalidInput(f"one of {', '.join(ACTIONS)}", field="action")
    if draft.scheme not in SCHEMES:
        raise InvalidInput(f"one of {', '.join(SCHEMES)}", field="scheme")
    if draft.secret is not None and not is_valid_secret(draft.secret):
        raise InvalidInput("a secret is 'whsec_' and base64 of 24 bytes or more", field="secret")
    problem = expressions.check(draft.mapping)
    if problem is not None:
        raise InvalidInput(f"the mapping is no FEEL expression: {problem}", field="mapping")


def _endpoint(row: Any) -> Endpoint:
    return Endpoint(
        row.endpoint_id,
        row.tenant_id,
        row.name,
        row.scheme,
        row.signature_header,
        row.tolerance_seconds,
        row.action,
        row.mapping,
        row.created_at,
    )


def _context(endpoint_id: str) -> str:
    return f"webhook-endpoint:{endpoint_id}"


def rotate_endpoint_secrets(connection: Connection, box: SecretBox) -> int:
    """Seal every inbound endpoint's signing secret still under a retired key anew; how many."""
    table = webhook_endpoints
    rows = connection.execute(select(table.c.endpoint_id, table.c.secret_encrypted)).all()
    return box.reseal_all(
        rows,
        _context,
        lambda key, fresh: connection.execute(
            update(table).where(table.c.endpoint_id == key).values(secret_encrypted=fresh)
        ),
    )
