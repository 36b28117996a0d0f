"""Webhooks: a tenant's outbound subscriptions with their delivery log, and its inbound
endpoints; the public inbound route where signed webhooks arrive."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from kontor.api.body_routes import RequestLimits, StrictJsonRoute
from kontor.api.security import public, requires
from kontor.api.strict_json import decode_json
from kontor.api.wiring import kontor_of
from kontor.bootstrap import Kontor
from kontor.errors import NotFound
from kontor.integration.webhooks import (
    Attempt,
    Delivery,
    DeliveryLog,
    Endpoint,
    EndpointDraft,
    EndpointStore,
    ReplayedWebhook,
    SignatureRefused,
    Subscription,
    SubscriptionDraft,
    SubscriptionStore,
    Webhooks,
)
from kontor.messaging import Change, UnitOfWork
from kontor.platform import Principal

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"], route_class=StrictJsonRoute)
Id = Annotated[str, Path(max_length=36)]
READ, MANAGE = "webhooks:read", "webhooks:manage"
SUBSCRIPTION, ENDPOINT = "webhook_subscription", "webhook_endpoint"


class SubscriptionIn(BaseModel):
    """A new subscription: where to, which events, which payload values must match."""

    url: str = Field(min_length=1, max_length=2000)
    event_types: list[Annotated[str, Field(max_length=200)]] = Field(min_length=1, max_length=50)
    filter: dict[str, Any] = Field(default_factory=dict)
    description: str = Field(default="", max_length=500)
    secret: str | None = Field(default=None, max_length=200)


class SubscriptionOut(BaseModel):
    """A subscription; its secret is never shown after it was created or rotated."""

    subscription_id: str
    url: str
    event_types: list[str]
    filter: dict[str, Any]
    description: str
    enabled: bool
    disabled_reason: str | None
    consecutive_failures: int
    created_at: dt.datetime

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionOut:
        """The response body of ``subscription``."""
        return cls(**{name: getattr(subscription, name) for name in cls.model_fields})


class SubscriptionCreated(SubscriptionOut):
    """A new subscription with its signing secret, shown this once."""

    secret: str


class SubscriptionChange(BaseModel):
    """Switch a subscription on or off."""

    enabled: bool


class SecretOut(BaseModel):
    """A new signing secret, shown this once; the previous one signs alongside for a day."""

    secret: str


class DeliveryOut(BaseModel):
    """One event for one subscription and its latest outcome."""

    delivery_id: str
    subscription_id: str
    sequence: int
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_status_code: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        """The response body of ``delivery``."""
        return cls(**{name: getattr(delivery, name) for name in cls.model_fields})


class AttemptOut(BaseModel):
    """One attempt to deliver: when, the receiver's status code, the error, how long."""

    attempted_at: dt.datetime
    status_code: int | None
    error: str | None
    seconds: float

    @classmethod
    def of(cls, attempt: Attempt) -> AttemptOut:
        """The response body of ``attempt``."""
        return cls(**{name: getattr(attempt, name) for name in cls.model_fields})


class EndpointIn(BaseModel):
    """A new inbound endpoint: its name, how it verifies, what it turns a payload into."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    action: Literal["start_process", "correlate_message", "create_task", "open_case"]
    mapping: str = Field(min_length=1, max_length=10000)
    scheme: Literal["standard", "hmac"] = "standard"
    signature_header: str | None = Field(default=None, max_length=100)
    tolerance_seconds: int = Field(default=300, ge=1, le=86400)
    secret: str | None = Field(default=None, max_length=200)


class EndpointOut(BaseModel):
    """An inbound endpoint (no secret) and the path senders post to."""

    endpoint_id: str
    name: str
    scheme: str
    signature_header: str
    tolerance_seconds: int
    action: str
    mapping: str
    created_at: dt.datetime
    path: str

    @classmethod
    def of(cls, endpoint: Endpoint) -> EndpointOut:
        """The response body of ``endpoint``."""
        fields = {name: getattr(endpoint, name) for name in cls.model_fields if name != "path"}
        return cls(**fields, path=f"/api/webhooks/inbound/{endpoint.tenant_id}/{endpoint.name}")


class EndpointCreated(EndpointOut):
    """A new endpoint with its secret, shown this once."""

    secret: str


class Accepted(BaseModel):
    """An inbound webhook taken in; the work happens after the answer."""

    webhook_id: str


def _audit(
    uow: UnitOfWork, caller: Principal, action: str, kind: str, entity_id: str,
    after: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    """The audit entry of a change the caller made to the tenant's webhooks (never a secret)."""
    uow.record(Change(action, kind, entity_id, after=after), caller.tenant_id, caller.user_id)


def _webhooks(kontor: Kontor) -> Webhooks:
    if kontor.integration is None:
        raise NotFound("webhooks are not wired in this process")
    return kontor.integration.webhooks


@router.post("/subscriptions", status_code=201)
def create_subscription(
    body: SubscriptionIn, request: Request, caller: Annotated[Principal, requires(MANAGE)]
) -> SubscriptionCreated:
    """Subscribe a URL to event types; answers the signing secret once."""
    kontor = kontor_of(request)
    webhooks = _webhooks(kontor)
    draft = SubscriptionDraft(
        body.url, body.event_types, body.filter, body.description, body.secret
    )
    with kontor.bus.unit_of_work() as uow:
        store = SubscriptionStore(uow.connection, caller.tenant_id, webhooks.box)
        created, secret = store.create(draft, webhooks.event_types, uow.clock.now())
        after = {"url": created.url, "event_types": list(created.event_types)}
        _audit(uow, caller, "integration.webhook.subscribe", SUBSCRIPTION, created.subscription_id,
               after)  # fmt: skip
        uow.commit()
    return SubscriptionCreated(**SubscriptionOut.of(created).model_dump(), secret=secret)


@router.get("/subscriptions")
def list_subscriptions(
    request: Request, caller: Annotated[Principal, requires(READ)]
) -> list[SubscriptionOut]:
    """The tenant's subscriptions."""
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        found = SubscriptionStore(uow.connection, caller.tenant_id, _webhooks(kontor).box).all()
    return [SubscriptionOut.of(s) for s in found]


@router.get("/subscriptions/{subscription_id}")
def show_subscription(
    subscription_id: Id, request: Request, caller: Annotated[Principal, requires(READ)]
) -> SubscriptionOut:
    """One subscription of the tenant."""
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        store = SubscriptionStore(uow.connection, caller.tenant_id, _webhooks(kontor).box)
        return SubscriptionOut.of(store.get(subscription_id))


@router.patch("/subscriptions/{subscription_id}")
def change_subscription(
    subscription_id: Id,
    body: SubscriptionChange,
    request: Request,
    caller: Annotated[Principal, requires(MANAGE)],
) -> SubscriptionOut:
    """Switch a subscription on (its failure count starts anew) or off."""
    return SubscriptionOut.of(
        switch_subscription(kontor_of(request), caller, subscription_id, body.enabled)
    )


def switch_subscription(
    kontor: Kontor, caller: Principal, subscription_id: str, enabled: bool
) -> Subscription:
    """Switch the tenant's subscription on or off (by hand), with its audit entry."""
    with kontor.bus.unit_of_work() as uow:
        store = SubscriptionStore(uow.connection, caller.tenant_id, _webhooks(kontor).box)
        changed = store.set_enabled(subscription_id, enabled, "von Hand abgeschaltet")
        action = "integration.webhook.enable" if enabled else "integration.webhook.disable"
        _audit(uow, caller, action, SUBSCRIPTION, subscription_id, {"enabled": enabled})
        uow.commit()
    return changed


@router.post("/subscriptions/{subscription_id}/rotate-secret")
def rotate_secret(
    subscription_id: Id, request: Request, caller: Annotated[Principal, requires(MANAGE)]
) -> SecretOut:
    """A new signing secret; the previous one signs alongside it for 24 hours."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        store = SubscriptionStore(uow.connection, caller.tenant_id, _webhooks(kontor).box)
        secret = store.rotate(subscription_id, uow.clock.now())
        _audit(uow, caller, "integration.webhook.rotate_secret", SUBSCRIPTION, subscription_id)
        uow.commit()
    return SecretOut(secret=secret)


@router.delete("/subscriptions/{subscription_id}", status_code=204)
def delete_subscription(
    subscription_id: Id, request: Request, caller: Annotated[Principal, requires(MANAGE)]
) -> Response:
    """Delete a subscription with its deliveries."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        SubscriptionStore(uow.connection, caller.tenant_id, _webhooks(kontor).box).delete(
            subscription_id
        )
        _audit(uow, caller, "integration.webhook.unsubscribe", SUBSCRIPTION, subscription_id)
        uow.commit()
    return Response(status_code=204)


@router.get("/subscriptions/{subscription_id}/deliveries")
def list_deliveries(
    subscription_id: Id,
    request: Request,
    caller: Annotated[Principal, requires(READ)],
    status: Annotated[Literal["pending", "delivered"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    """The subscription's deliveries, newest first."""
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        SubscriptionStore(uow.connection, caller.tenant_id, _webhooks(kontor).box).get(
            subscription_id
        )
        found = DeliveryLog(uow.connection, caller.tenant_id).of_subscription(
            subscription_id, status, limit
        )
    return [DeliveryOut.of(d) for d in found]


@router.get("/deliveries/{delivery_id}/attempts")
def list_attempts(
    delivery_id: Id, request: Request, caller: Annotated[Principal, requires(READ)]
) -> list[AttemptOut]:
    """Every attempt of a delivery with the receiver's status code."""
    with kontor_of(request).bus.reading() as uow:
        found = DeliveryLog(uow.connection, caller.tenant_id).attempts(delivery_id)
    return [AttemptOut.of(a) for a in found]


@router.post("/deliveries/{delivery_id}/replay", status_code=201)
def replay_delivery(
    delivery_id: Id, request: Request, caller: Annotated[Principal, requires(MANAGE)]
) -> DeliveryOut:
    """Send a delivery's event again, last in its subscription's order, under a new id."""
    with kontor_of(request).bus.unit_of_work() as uow:
        replayed = DeliveryLog(uow.connection, caller.tenant_id).replay(
            delivery_id, uow.clock.now()
        )
        _audit(uow, caller, "integration.webhook.replay", "webhook_delivery", delivery_id)
        uow.commit()
    return DeliveryOut.of(replayed)


@router.post("/endpoints", status_code=201)
def create_endpoint(
    body: EndpointIn, request: Request, caller: Annotated[Principal, requires(MANAGE)]
) -> EndpointCreated:
    """Open an inbound endpoint; answers its secret once."""
    kontor = kontor_of(request)
    webhooks = _webhooks(kontor)
    draft = EndpointDraft(
        body.name, body.action, body.mapping, body.scheme, body.signature_header,
        body.tolerance_seconds, body.secret,
    )  # fmt: skip
    with kontor.bus.unit_of_work() as uow:
        store = EndpointStore(uow.connection, caller.tenant_id, webhooks.box)
        created, secret = store.create(draft, webhooks.expressions, uow.clock.now())
        after = {"name": body.name, "action": body.action}
        _audit(uow, caller, "integration.webhook.open_endpoint", ENDPOINT, created.endpoint_id,
               after)  # fmt: skip
        uow.commit()
    return EndpointCreated(**EndpointOut.of(created).model_dump(), secret=secret)


@router.get("/endpoints")
def list_endpoints(
    request: Request, caller: Annotated[Principal, requires(READ)]
) -> list[EndpointOut]:
    """The tenant's inbound endpoints."""
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        found = EndpointStore(uow.connection, caller.tenant_id, _webhooks(kontor).box).all()
    return [EndpointOut.of(e) for e in found]


@router.get("/endpoints/{endpoint_id}")
def show_endpoint(
    endpoint_id: Id, request: Request, caller: Annotated[Principal, requires(READ)]
) -> EndpointOut:
    """One inbound endpoint of the tenant."""
    kontor = kontor_of(request)
    with kontor.bus.reading() as uow:
        store = EndpointStore(uow.connection, caller.tenant_id, _webhooks(kontor).box)
        return EndpointOut.of(store.get(endpoint_id))


@router.delete("/endpoints/{endpoint_id}", status_code=204)
def delete_endpoint(
    endpoint_id: Id, request: Request, caller: Annotated[Principal, requires(MANAGE)]
) -> Response:
    """Close an inbound endpoint."""
    kontor = kontor_of(request)
    with kontor.bus.unit_of_work() as uow:
        EndpointStore(uow.connection, caller.tenant_id, _webhooks(kontor).box).delete(endpoint_id)
        _audit(uow, caller, "integration.webhook.close_endpoint", ENDPOINT, endpoint_id)
        uow.commit()
    return Response(status_code=204)


@router.post("/inbound/{tenant_id}/{name}", status_code=202, dependencies=[public()])
async def receive(
    tenant_id: Annotated[str, Path(max_length=64)],
    name: Annotated[str, Path(max_length=100)],
    request: Request,
) -> Accepted:
    """Take in a signed webhook: verified, kept once per webhook id, handled after the answer.

    Public: the signature is the credential. 401 for a wrong signature or a timestamp outside
    the endpoint's window, 409 for an id received before, 404 for an unknown endpoint.
    """
    body = await request.body()
    headers = dict(request.headers)
    kontor = kontor_of(request)
    limits: RequestLimits = request.app.state.request_limits
    webhook_id = await run_in_threadpool(_take_in, kontor, tenant_id, name, body, headers, limits)
    return Accepted(webhook_id=webhook_id)


def _take_in(
    kontor: Kontor,
    tenant_id: str,
    name: str,
    body: bytes,
    headers: dict[str, str],
    limits: RequestLimits,
) -> str:
    def decode(raw: bytes) -> Any:
        return decode_json(raw, limits.json)

    webhooks = _webhooks(kontor)
    metrics = kontor.integration.metrics if kontor.integration is not None else None
    endpoint, outcome = "-", "refused"  # unknown endpoints share one label: no label flood
    try:
        with kontor.bus.unit_of_work() as uow:
            store = EndpointStore(uow.connection, tenant_id, webhooks.box)
            webhook_id = store.receive(name, body, headers, uow, decode)
            endpoint = f"{tenant_id}/{name}"
            try:
                uow.commit()
            except IntegrityError:  # the same id arrived twice at once; the other one won
                raise ReplayedWebhook(
                    f"webhook {webhook_id!r} was received before", webhook_id=webhook_id
                ) from None
        outcome = "accepted"
        return webhook_id
    except (SignatureRefused, ReplayedWebhook):
        endpoint = f"{tenant_id}/{name}"
        raise
    finally:
        if metrics is not None:
            metrics.received.labels(endpoint, outcome).inc()
