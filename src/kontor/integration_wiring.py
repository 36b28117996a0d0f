"""Part of the composition root: wires the integration layer to FEEL and the process engine.

The integration component may not import rules or the process engine; here its ports get
their adapters: FEEL for mappings, and the ``http`` task whose 4xx answers become BPMN errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry

from kontor.contracts import TaskCompleted, UserTaskActivated
from kontor.contracts.cases import CaseClosed, CaseCreated, CaseReopened, CaseStatusChanged
from kontor.integration.bipro.client import ClientPolicy
from kontor.integration.bipro.metrics import BiproMetrics
from kontor.integration.bipro.poller import InboxPoller, PollerPolicy
from kontor.integration.bipro.service import BiproInbox, register_bipro
from kontor.integration.bipro.service import declare_notifications as declare_bipro_notifications
from kontor.integration.connectors import (
    TASK_TYPE,
    ConnectorPolicy,
    HttpConnector,
    HttpStatusError,
)
from kontor.integration.metrics import IntegrationMetrics
from kontor.integration.scheduler import Scheduler
from kontor.integration.webhooks import (
    SenderPolicy,
    Webhooks,
    WebhookSender,
    declare_notifications,
    register_webhooks,
)
from kontor.messaging import Event, MessageBus, RetryPolicy
from kontor.platform import SecretBox
from kontor.platform.notifications import NotificationRules
from kontor.process import (
    BpmnError,
    FeelEvaluator,
    IncidentRaised,
    ProcessInstanceCompleted,
    TaskHandlers,
)
from kontor.process.bpmn import FEEL, Expression
from kontor.rules.feel import FeelSyntaxError, compile_expression
from kontor.settings import Settings

WEBHOOK_EVENTS: tuple[type[Event], ...] = (
    ProcessInstanceCompleted,
    IncidentRaised,
    UserTaskActivated,
    TaskCompleted,
    CaseCreated,
    CaseStatusChanged,
    CaseClosed,
    CaseReopened,
)
"""The events a tenant may subscribe webhooks to."""


@dataclass
class Integration:
    """The wired integration layer of one Kontor process."""

    webhooks: Webhooks
    sender: WebhookSender
    connector: HttpConnector
    metrics: IntegrationMetrics
    bipro: BiproInbox | None = None

    def close(self) -> None:
        """Close the HTTP connections of the sender and the connector."""
        self.sender.close()
        self.connector.close()


class FeelExpressions:
    """FEEL for the integration layer's mappings, with the process engine's strict limits."""

    def __init__(self, settings: Settings) -> None:
        self._feel = FeelEvaluator(settings.evaluation_limits)

    def evaluate(self, text: str, variables: Mapping[str, Any]) -> Any:
        """The value of ``text`` with ``variables`` in scope."""
        return self._feel.evaluate(Expression(text, FEEL), variables)

    def check(self, text: str) -> str | None:
        """None if ``text`` compiles, else the reason."""
        try:
            compile_expression(text, ())
        except FeelSyntaxError as error:
            return str(error)
        return None


def wire_integration(
    settings: Settings,
    box: SecretBox,
    bus: MessageBus,
    task_handlers: TaskHandlers,
    metrics: CollectorRegistry,
    notification_rules: NotificationRules,
    scheduler: Scheduler | None = None,
) -> Integration:
    """Register webhooks on the bus, the ``http`` task with the engine, their metrics."""
    expressions = FeelExpressions(settings)
    numbers = IntegrationMetrics(metrics)
    webhooks = register_webhooks(bus.registry, box, expressions, WEBHOOK_EVENTS)
    declare_notifications(notification_rules)
    sender = WebhookSender(
        bus,
        box,
        SenderPolicy(
            timeout_seconds=settings.webhook_timeout_seconds,
            backoff=RetryPolicy(
                max_attempts=0,
                base_seconds=settings.webhook_retry_base_seconds,
                max_seconds=settings.webhook_retry_max_seconds,
            ),
            disable_after=settings.webhook_disable_after_failures,
            allow_private=settings.allows_private_outbound,
        ),
        numbers,
    )
    webhooks.sender = sender
    connector = HttpConnector(
        bus.engine,
        box,
        expressions,
        ConnectorPolicy(
            timeout_seconds=settings.connector_timeout_seconds,
            retries=settings.connector_retries,
            backoff_base_seconds=settings.connector_retry_base_seconds,
            allow_private=settings.allows_private_outbound,
        ),
        numbers,
    )
    if task_handlers.find(TASK_TYPE) is None:
        task_handlers.register(TASK_TYPE, http_task(connector))
    bipro = wire_bipro(settings, box, bus, metrics, notification_rules, scheduler)
    return Integration(webhooks, sender, connector, numbers, bipro)


def wire_bipro(
    settings: Settings,
    box: SecretBox,
    bus: MessageBus,
    metrics: CollectorRegistry,
    notification_rules: NotificationRules,
    scheduler: Scheduler | None,
) -> BiproInbox:
    """The BiPRO document inbox: its poller, the scheduled poll command, its notifications."""
    policy = PollerPolicy(
        ClientPolicy(
            timeout_seconds=settings.bipro_timeout_seconds,
            max_response_bytes=settings.bipro_max_response_bytes,
            allow_private=settings.allows_private_outbound,
        ),
        lease=dt.timedelta(seconds=settings.bipro_poll_lease_seconds),
    )
    inbox = BiproInbox(box, InboxPoller(bus, box, policy, BiproMetrics(metrics)), scheduler)
    register_bipro(bus.registry, inbox)
    declare_bipro_notifications(notification_rules)
    return inbox


def http_task(connector: HttpConnector) -> Any:
    """The ``http`` task handler: the connector, its 4xx answers thrown as BPMN errors."""

    def run(variables: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        try:
            return connector(variables, headers)
        except HttpStatusError as error:
            raise BpmnError(
                str(error.status_code), error.message, {"response": error.response}
            ) from None

    return run
