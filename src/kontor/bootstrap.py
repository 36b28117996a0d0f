"""The composition root: settings → engine → bus → handlers → transport."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry
from sqlalchemy import Engine, MetaData, text

from kontor import db
from kontor.messaging import (
    Clock,
    Dispatcher,
    HandlerRegistry,
    InProcessTransport,
    MessageBus,
    RetryPolicy,
    SystemClock,
    UnitOfWork,
)
from kontor.messaging.metrics import BacklogCollector
from kontor.messaging.pump import MessagePump
from kontor.messaging.transports.rabbitmq import RabbitMQTransport
from kontor.platform import DEVELOPMENT_TENANT, TenantStore
from kontor.process import HistoryRetention, InlineTasks, JobExecutor, TaskHandlers
from kontor.process import register as register_process_handlers
from kontor.process.decisions import register_decision_tasks
from kontor.process.external import register_external_tasks
from kontor.rules.deployment import HookRegistry, RulesService
from kontor.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Kontor:
    """One wired Kontor process: its store, bus, dispatcher and transport."""

    settings: Settings
    engine: Engine
    clock: Clock
    registry: HandlerRegistry
    bus: MessageBus
    dispatcher: Dispatcher
    transport: InProcessTransport | RabbitMQTransport
    rules: RulesService
    process_jobs: JobExecutor
    metrics: CollectorRegistry = field(default_factory=CollectorRegistry)
    history_retention: HistoryRetention | None = None
    _pump: MessagePump | None = None

    def start(self, *, consume: bool = False, pump: bool = True) -> None:
        """Recover undelivered messages and start background delivery.

        Embedded: replay the outbox, then keep retrying. Scaled out: relay the outbox to the
        broker; with ``consume`` (the worker) also consume and run due retries. Tests that
        drive retries themselves pass ``pump=False``.
        """
        if isinstance(self.transport, RabbitMQTransport):
            self.transport.start(relay=True, deliver=self.dispatcher.deliver if consume else None)
        else:
            self.dispatcher.replay_undispatched()
        if pump and (consume or not isinstance(self.transport, RabbitMQTransport)):
            self._background().start()

    def background_round(self) -> None:
        """Run one round of background work now: retries, outbox replay, due process jobs."""
        self._background().tick()

    def _background(self) -> MessagePump:
        if self._pump is None:
            self._pump = MessagePump(
                self.dispatcher,
                self.clock,
                self.settings.dispatcher_poll_seconds,
                replay=not isinstance(self.transport, RabbitMQTransport),
                # timers, async steps, service tasks; now and then expired process history
                also=(self.process_jobs.run_until_idle, self._purge_history),
            )
        return self._pump

    def _purge_history(self) -> None:
        if self.history_retention is not None:
            self.history_retention.run_if_due()

    def stop(self) -> None:
        """Stop background delivery (waiting a bounded time) and release connections.

        Work the background thread still runs after the bound is left to its transaction: the
        process exits, the database rolls it back, and the job's lock expires for a retry.
        """
        if self._pump is not None and not self._pump.stop(self.settings.shutdown_timeout_seconds):
            log.warning(
                "background work did not stop within %s s; its transaction is rolled back",
                self.settings.shutdown_timeout_seconds,
            )
        if isinstance(self.transport, RabbitMQTransport):
            self.transport.stop()
        self.engine.dispose()

    def check_ready(self) -> dict[str, str]:
        """Probe the database and the broker; map each to 'ok' or the error."""
        checks: dict[str, str] = {}
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as error:
            checks["database"] = f"unavailable: {type(error).__name__}"
        if isinstance(self.transport, RabbitMQTransport):
            try:
                self.transport.check()
                checks["broker"] = "ok"
            except Exception as error:
                checks["broker"] = f"unavailable: {type(error).__name__}"
        else:
            checks["broker"] = "ok"
        checks["jobs"] = self._check_jobs()
        return checks

    def _check_jobs(self) -> str:
        """'ok' unless one round of background work (jobs, retries) runs beyond the threshold."""
        running = self._pump.round_running_for() if self._pump is not None else dt.timedelta(0)
        threshold = self.settings.jobs_stalled_after_seconds
        if running.total_seconds() > threshold:
            return (
                f"stalled: one round has run for {int(running.total_seconds())} s (> {threshold} s)"
            )
        return "ok"


def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    registry: HandlerRegistry | None = None,
    metrics: CollectorRegistry | None = None,
    hook_points: HookRegistry | None = None,
    task_handlers: TaskHandlers | None = None,
) -> Kontor:
    """Wire a Kontor process from settings; nothing starts until ``Kontor.start``."""
    clock = clock or SystemClock()
    engine = engine or db.create_database_engine(
        settings.effective_database_url, lock_timeout_seconds=settings.database_busy_timeout_seconds
    )
    registry = registry or HandlerRegistry()
    process_services = register_process_handlers(registry)
    process_services.history_level = settings.process_history_level
    transport: InProcessTransport | RabbitMQTransport
    if settings.uses_rabbitmq:
        transport = RabbitMQTransport(
            settings.broker_url,
            engine,
            clock,
            exchange=settings.broker_exchange,
            queue=settings.broker_queue,
            poll_seconds=settings.dispatcher_poll_seconds,
        )
    else:
        transport = InProcessTransport()
    policy = RetryPolicy(
        max_attempts=settings.message_max_attempts,
        base_seconds=settings.message_retry_base_seconds,
        max_seconds=settings.message_retry_max_seconds,
    )
    dispatcher = Dispatcher(engine, registry, clock, policy, transport)
    if isinstance(transport, InProcessTransport):
        transport.connect(dispatcher.deliver)
    bus = MessageBus(engine, clock, registry, transport)
    metrics = metrics or CollectorRegistry()
    metrics.register(BacklogCollector(dispatcher))
    # Applications declare their hook points here as they arrive (task.created, …).
    rules = RulesService(hook_points or HookRegistry())
    jobs = JobExecutor(
        bus, process_services, task_handlers or load_task_handlers(settings),
        lock_for=dt.timedelta(seconds=settings.process_job_lock_seconds),
    )  # fmt: skip
    process_services.inline = InlineTasks(jobs.handlers)
    register_external_tasks(registry, process_services, jobs.handlers)
    register_decision_tasks(jobs.handlers, bus, rules)
    retention = HistoryRetention(
        bus,
        _days(settings.process_history_ttl_days),
        every=dt.timedelta(seconds=settings.process_history_purge_seconds),
    )
    return Kontor(
        settings,
        engine,
        clock,
        registry,
        bus,
        dispatcher,
        transport,
        rules,
        jobs,
        metrics,
        history_retention=retention,
    )


def _days(days: int | None) -> dt.timedelta | None:
    return None if days is None else dt.timedelta(days=days)


def load_task_handlers(settings: Settings) -> TaskHandlers:
    """The in-process service-task handlers the configured modules register."""
    handlers = TaskHandlers()
    for name in settings.process_task_handler_modules:
        try:
            register = importlib.import_module(name).register
        except (ImportError, AttributeError) as error:
            raise ValueError(
                f"KONTOR_PROCESS_TASK_HANDLER_MODULES: {name!r} is no importable module with a "
                f"register(handlers) function ({error})"
            ) from error
        register(handlers)
    return handlers


def load_schema() -> MetaData:
    """The metadata with every component's tables registered (for migrations and checks)."""
    import kontor.messaging.tables
    import kontor.platform.tenants
    import kontor.process.store.tables
    import kontor.rules.deployment.tables  # noqa: F401 - registers its tables

    return db.metadata


def ensure_development_tenant(engine: Engine) -> None:
    """Create the development principal's tenant if it is missing."""
    with UnitOfWork(engine, SystemClock()) as uow:
        store = TenantStore(uow.connection)
        if store.find(DEVELOPMENT_TENANT) is None:
            store.add(DEVELOPMENT_TENANT, "Entwicklung", uow.clock.now())
            uow.commit()
