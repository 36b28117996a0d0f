"""The composition root: settings → engine → bus → handlers → transport."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry
from sqlalchemy import Engine, MetaData, text

from kontor import db
from kontor.apps import portfolio_transfer as transfer_app
from kontor.casework.attachments import files_deleted_with_tenants
from kontor.casework.attachments import register as register_attachments
from kontor.casework.cases import CaseService, CaseTypeRegistry
from kontor.casework.cases import register as register_cases
from kontor.casework.cases.status_rules import register_status_rules
from kontor.casework.notifications import declare_notifications as declare_casework_notifications
from kontor.casework.tasks import register as register_task_handlers
from kontor.db.listen import ChannelListener, listen
from kontor.exchange import LocalBlobStore
from kontor.exchange.pipeline import PipelineRunner, RunnerLoop, RunWindow
from kontor.extensions import load_case_types, load_task_handlers
from kontor.integration.bipro.messages import PollPortalAccess
from kontor.integration.scheduler import (
    FireSchedule,
    SchedulableCommands,
    ScheduleCollector,
    Scheduler,
    schedulable,
)
from kontor.integration_wiring import Integration, wire_integration
from kontor.messaging import (
    ChangeLog,
    Clock,
    Dispatcher,
    FileClock,
    HandlerRegistry,
    InProcessTransport,
    MessageBus,
    RetryPolicy,
    ScheduledDelivery,
    SystemClock,
    UnitOfWork,
)
from kontor.messaging.metrics import BacklogCollector
from kontor.messaging.pump import MessagePump
from kontor.messaging.retention import BatchedPurge, purge_delivered_messages
from kontor.messaging.transports.rabbitmq import RabbitMQTransport
from kontor.messaging.wakeups import CHANNEL as DUE_WORK_CHANNEL
from kontor.messaging.wakeups import on_due_work
from kontor.platform import (
    Administration,
    Authenticator,
    DemoLogin,
    Mailer,
    PasswordReminders,
    Recovery,
    RecoveryPolicy,
    seed_demo,
)
from kontor.platform.audit import AuditLog, SealSchedule
from kontor.platform.demo import BROKER as DEMO_BROKER
from kontor.platform.demo import INSURER as DEMO_INSURER
from kontor.platform.notifications import (
    NotificationHub,
    NotificationRules,
    notification_retention,
    subscribe_notifier,
)
from kontor.platform.principal_cache import PrincipalCache, watch_principal_changes
from kontor.platform.usage import UsageMeter
from kontor.platform_wiring import (
    audit_log,
    authenticator_for,
    change_logs,
    days,
    mailer_for,
    secret_box,
)
from kontor.portfolio import gdv_import
from kontor.portfolio import register as register_portfolio
from kontor.portfolio.demo import seed_demo_portfolio
from kontor.process import FeelEvaluator, HistoryRetention, InlineTasks, JobExecutor, TaskHandlers
from kontor.process import messages as process_messages
from kontor.process import register as register_process_handlers
from kontor.process.decisions import register_decision_tasks
from kontor.process.external import register_external_tasks
from kontor.process.metrics import RunningStepsCollector
from kontor.process.notifications import declare_notifications as declare_process_notifications
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
    authenticator: Authenticator
    administration: Administration
    mailer: Mailer
    recovery: Recovery
    cases: CaseService
    metrics: CollectorRegistry = field(default_factory=CollectorRegistry)
    history_retention: HistoryRetention | None = None
    audit: AuditLog | None = None
    usage: UsageMeter | None = None
    audit_sealing: SealSchedule | None = None
    password_reminders: PasswordReminders | None = None
    notification_hub: NotificationHub = field(default_factory=NotificationHub)
    notification_retention: BatchedPurge | None = None
    message_retention: BatchedPurge | None = None
    portfolio_transfer: transfer_app.PortfolioTransfer | None = None
    transfer_schedule: transfer_app.TransferSchedule | None = None
    timers: ScheduledDelivery | None = None
    imports: PipelineRunner | None = None
    integration: Integration | None = None
    scheduler: Scheduler | None = None
    _pump: MessagePump | None = None
    _runs: RunnerLoop | None = None
    _listener: ChannelListener | None = None
    _unwake: Callable[[], None] | None = None

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
        channels: dict[str, Callable[[], None]] = {}
        if pump and (consume or not isinstance(self.transport, RabbitMQTransport)):
            background = self._background()
            background.start()
            # the background round runs as soon as work became due in this or another process
            self._unwake = on_due_work(background.wake)
            channels[DUE_WORK_CHANNEL] = background.wake
            if self.imports is not None:
                self._runs = RunnerLoop(self.imports, self.settings.import_poll_seconds)
                self._runs.start()
        self._listen(channels)

    def _listen(self, channels: dict[str, Callable[[], None]]) -> None:
        """On PostgreSQL: hear due work and changed principals of other processes."""
        cache = self.authenticator.cache
        if cache is None:
            self._listener = listen(self.engine, channels)
        else:
            channels.update(cache.channels())
            self._listener = listen(self.engine, channels, cache.listening, cache.deaf)

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
                # due timers first (schedules, deadlines: their lateness counts), then process
                # timers, async steps, service tasks; now and then expired process history,
                # audit seals, password expiry reminders and old notifications
                also=(
                    self._fire_timers,
                    self.process_jobs.run_until_idle,
                    self._purge_history,
                    self._seal_audit,
                    self._remind,
                    self._purge_notifications,
                    self._purge_messages,
                    self._run_transfers,
                    self._deliver_webhooks,
                    self._poll_portals,
                ),
                # woken between rounds (a job became due here or, by NOTIFY, elsewhere): jobs
                on_wake=(self.process_jobs.run_announced,),
            )
        return self._pump

    def _purge_history(self) -> None:
        if self.history_retention is not None:
            self.history_retention.run_if_due()

    def _seal_audit(self) -> None:
        if self.audit_sealing is not None:
            self.audit_sealing.run_if_due(self.clock.now())

    def _remind(self) -> None:
        if self.password_reminders is not None:
            self.password_reminders.run_if_due()

    def _purge_notifications(self) -> None:
        if self.notification_retention is not None:
            self.notification_retention.run_if_due()

    def _purge_messages(self) -> None:
        if self.message_retention is not None:
            self.message_retention.run_if_due()

    def _run_transfers(self) -> None:
        if self.transfer_schedule is not None:
            self.transfer_schedule.run_if_due()

    def _fire_timers(self) -> None:
        if self.timers is not None:
            self.timers.fire_until_idle()

    def _deliver_webhooks(self) -> None:
        if self.integration is not None:
            self.integration.sender.deliver_due()

    def _poll_portals(self) -> None:
        if self.integration is not None and self.integration.bipro is not None:
            self.integration.bipro.poller.poll_due()

    def stop(self) -> None:
        """Stop background delivery (waiting a bounded time) and release connections.

        Work the background thread still runs after the bound is left to its transaction: the
        process exits, the database rolls it back, and the job's lock expires for a retry.
        """
        if self._unwake is not None:
            self._unwake()
        if self._listener is not None:
            self._listener.stop()
        if self._pump is not None and not self._pump.stop(self.settings.shutdown_timeout_seconds):
            log.warning(
                "background work did not stop within %s s; its transaction is rolled back",
                self.settings.shutdown_timeout_seconds,
            )
        if self._runs is not None and not self._runs.stop(self.settings.shutdown_timeout_seconds):
            log.warning("an import step did not stop in time; its transaction is rolled back")
        if isinstance(self.transport, RabbitMQTransport):
            self.transport.stop()
        if self.integration is not None:
            self.integration.close()
        self.engine.dispose()

    def check_ready(self) -> dict[str, str]:
        """Probe the database and the broker; map each to 'ok' or the error."""
        checks: dict[str, str] = {}
        try:
            with db.reading(self.engine) as connection:
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
    notification_rules: NotificationRules | None = None,
    case_types: CaseTypeRegistry | None = None,
) -> Kontor:
    """Wire a Kontor process from settings; nothing starts until ``Kontor.start``.

    Applications declare whom their events notify in ``notification_rules``.
    """
    clock = clock or clock_for(settings)
    engine = engine or db.create_database_engine(
        settings.effective_database_url, lock_timeout_seconds=settings.database_busy_timeout_seconds
    )
    registry = registry or HandlerRegistry()
    process_services = register_process_handlers(
        registry, FeelEvaluator(settings.evaluation_limits)
    )
    process_services.history_level = settings.process_history_level
    process_services.limits = settings.process_step_limits
    # Applications register their case types here as they arrive.
    cases = register_cases(registry, case_types or load_case_types(settings))
    register_portfolio(registry)
    transport: InProcessTransport | RabbitMQTransport
    if settings.uses_rabbitmq:
        transport = RabbitMQTransport(
            settings.broker_url,
            engine,
            clock,
            exchange=settings.broker_exchange,
            queue=settings.broker_queue,
            poll_seconds=settings.dispatcher_poll_seconds,
            partitions=settings.broker_partitions,
        )
    else:
        transport = InProcessTransport()
    policy = RetryPolicy(
        max_attempts=settings.message_max_attempts,
        base_seconds=settings.message_retry_base_seconds,
        max_seconds=settings.message_retry_max_seconds,
    )
    audit = audit_log(settings)
    meter = UsageMeter(settings.usage_billable_actions) if settings.usage_billable_actions else None
    change_log = change_logs(audit, meter)
    dispatcher = Dispatcher(engine, registry, clock, policy, transport, change_log=change_log)
    if isinstance(transport, InProcessTransport):
        transport.connect(dispatcher.deliver, within=dispatcher.deliver_within)
    bus = MessageBus(engine, clock, registry, transport, change_log=change_log)
    metrics = metrics or CollectorRegistry()
    metrics.register(BacklogCollector(dispatcher))
    metrics.register(ScheduleCollector(engine))
    scheduler = Scheduler(schedulable_commands())
    scheduler.register(registry)
    metrics.register(RunningStepsCollector(process_services.running))
    # Applications declare their hook points here as they arrive (task.created, …).
    rules = RulesService(hook_points or HookRegistry(), limits=settings.evaluation_limits)
    register_task_handlers(registry, rules)
    register_attachments(registry)
    register_status_rules(registry, rules, cases.case_types)
    jobs = JobExecutor(
        bus, process_services, task_handlers or load_task_handlers(settings),
        lock_for=dt.timedelta(seconds=settings.process_job_lock_seconds),
    )  # fmt: skip
    process_services.inline = InlineTasks(jobs.handlers)
    register_external_tasks(registry, process_services, jobs.handlers)
    register_decision_tasks(jobs.handlers, bus, rules)
    calculation_window = RunWindow.parse(settings.portfolio_transfer_calculation_window)
    transfer = transfer_app.register(registry, rules, window=calculation_window)
    retention = HistoryRetention(
        bus,
        days(settings.process_history_ttl_days),
        every=dt.timedelta(seconds=settings.process_history_purge_seconds),
    )
    authenticator = authenticator_for(settings, change_log)
    if engine.dialect.name == "postgresql":
        authenticator.cache = PrincipalCache()
        watch_principal_changes(engine, authenticator.cache)
    mailer = mailer_for(settings)
    notification_rules = notification_rules or NotificationRules()
    integration = wire_integration(
        settings,
        secret_box(settings, "integration"),
        bus,
        jobs.handlers,
        metrics,
        notification_rules,
        scheduler,
    )
    declare_process_notifications(notification_rules)
    transfer_app.declare_notifications(notification_rules)
    declare_casework_notifications(notification_rules)
    hub = NotificationHub()
    subscribe_notifier(registry, notification_rules, hub)
    administration = Administration(authenticator, load_schema())
    administration.end_on_deletion(transfer_app.BrokerSystemDeletion(registry))
    administration.end_on_deletion(files_deleted_with_tenants(settings.data_dir))
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
        authenticator,
        administration,
        mailer,
        Recovery(authenticator, RecoveryPolicy(settings.public_url)),
        cases,
        metrics,
        history_retention=retention,
        audit=audit,
        usage=meter,
        audit_sealing=None if audit is None else SealSchedule(
            audit,
            engine,
            every=dt.timedelta(seconds=settings.audit_seal_seconds),
            grace=dt.timedelta(seconds=settings.audit_seal_grace_seconds),
        ),
        password_reminders=PasswordReminders(engine, clock, mailer, authenticator.expiry),
        notification_hub=hub,
        notification_retention=notification_retention(
            engine,
            clock,
            keep=dt.timedelta(days=settings.notification_retention_days),
            every=dt.timedelta(seconds=settings.notification_purge_seconds),
        ),
        message_retention=BatchedPurge(
            engine, clock, purge_delivered_messages,
            keep=dt.timedelta(days=settings.message_retention_days),
        ) if settings.message_retention_days else None,
        portfolio_transfer=transfer,
        transfer_schedule=transfer_app.TransferSchedule(
            bus, dt.timedelta(seconds=settings.portfolio_transfer_run_seconds)
        ) if settings.portfolio_transfer_runs else None,
        timers=ScheduledDelivery(
            bus,
            batch=settings.schedule_timer_batch,
            expanders={FireSchedule.type_name: scheduler.fire},
        ),
        scheduler=scheduler,
        imports=import_runner(settings, engine, clock, change_log),
        integration=integration,
    )  # fmt: skip


def clock_for(settings: Settings) -> Clock:
    """The wall clock, or in tests the shared file clock the settings name."""
    return FileClock(settings.test_clock_file) if settings.test_clock_file else SystemClock()


def schedulable_commands() -> SchedulableCommands:
    """The commands schedules may send, each with the permission its author needs."""
    return schedulable(
        [
            (process_messages.StartProcess, "process:start"),
            (process_messages.CorrelateMessage, "process:start"),
            (process_messages.BroadcastSignal, "process:start"),
            (PollPortalAccess, "bipro:write"),
        ]
    )


def import_runner(
    settings: Settings, engine: Engine, clock: Clock, change_log: ChangeLog | None = None
) -> PipelineRunner:
    """The runner of import pipelines, their files kept under the data dir's ``uploads``.

    Each step that completes is recorded in ``change_log`` (the audit log) with its counts.
    """
    window = settings.import_run_window
    runner = PipelineRunner(
        engine,
        clock,
        LocalBlobStore(settings.data_dir / "uploads"),
        lease=dt.timedelta(seconds=settings.import_lease_seconds),
        window=RunWindow.parse(window) if window else None,
        change_log=change_log,
    )
    runner.register(gdv_import(frozenset(settings.import_lines_of_business)))
    return runner


def load_schema() -> MetaData:
    """The metadata with every component's tables registered (for migrations and checks)."""
    import kontor.apps.links.tables
    import kontor.apps.portfolio_transfer.tables
    import kontor.casework.attachments.tables
    import kontor.casework.cases.tables
    import kontor.casework.forms.tables
    import kontor.casework.tasks.deadline_tables
    import kontor.casework.tasks.tables
    import kontor.exchange.pipeline.tables
    import kontor.integration.bipro.tables
    import kontor.integration.connectors.tables
    import kontor.integration.scheduler.tables
    import kontor.integration.webhooks.tables
    import kontor.messaging.tables  # outbox, deliveries, scheduled messages
    import kontor.platform.absence_tables
    import kontor.platform.audit.tables
    import kontor.platform.notifications.tables
    import kontor.platform.saved_filters.tables
    import kontor.platform.tables
    import kontor.platform.tenants
    import kontor.platform.usage.tables
    import kontor.portfolio.import_tables
    import kontor.portfolio.tables
    import kontor.process.store.tables
    import kontor.rules.deployment.tables  # noqa: F401 - registers its tables

    return db.metadata


def seed_development(engine: Engine, settings: Settings) -> list[DemoLogin]:
    """Create the demo tenants, users and the demo broker's portfolio on first start; the
    users' one-time passwords, if new."""
    with UnitOfWork(engine, SystemClock()) as uow:
        logins = seed_demo(uow, authenticator_for(settings))
    if logins:  # first start: the demo broker gets a portfolio too
        with UnitOfWork(engine, SystemClock()) as uow:
            seed_demo_portfolio(uow.connection, DEMO_BROKER, uow.clock.now())
            uow.commit()
    if logins:  # first start: the demo insurer and broker get the transfer app deployed
        kontor = bootstrap(settings, engine=engine)
        for tenant_id in (DEMO_INSURER, DEMO_BROKER):
            kontor.bus.handle(transfer_app.InstallPortfolioTransfer(tenant_id=tenant_id))
    return logins
