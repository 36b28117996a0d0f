"""Kontor's settings, from the environment (prefix ``KONTOR_``) and an optional ``.env`` file."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kontor.errors import InvalidInput
from kontor.exchange.pipeline import RunWindow
from kontor.process import HistoryLevel, StepLimits
from kontor.rules.feel import EvaluationLimits

DEVELOPMENT_SECRET = "development-only-secret-change-me"  # noqa: S105 - the refused default
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class Environment(StrEnum):
    """Where Kontor runs; production refuses unsafe defaults."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    """How log lines are written."""

    AUTO = "auto"
    JSON = "json"
    CONSOLE = "console"


class Settings(BaseSettings):
    """Effective configuration of one Kontor process."""

    model_config = SettingsConfigDict(
        env_prefix="KONTOR_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to a SQLite file in data_dir"
    )
    broker_url: str = Field(
        default="inprocess://", description="'inprocess://' or an amqp:// RabbitMQ URL"
    )
    broker_exchange: str = "kontor.messages"
    broker_queue: str = Field(
        default="kontor.messages",
        description="prefix of the partition queues (<queue>.0, <queue>.1, …)",
    )
    broker_partitions: int = Field(
        default=8,
        ge=1,
        le=256,
        description="partition queues the messages spread over by ordering key (process "
        "instance, case, task); each has one active consumer, so one key's messages are "
        "handled in order. Change it only while the queues are empty.",
    )
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    log_format: LogFormat = LogFormat.AUTO
    log_level: str = "INFO"
    otlp_endpoint: str | None = Field(
        default=None,
        description="OTLP/HTTP collector base URL (e.g. http://127.0.0.1:4318): export traces",
    )
    service_name: str = Field(default="kontor", description="service.name of exported traces")
    host: str = "127.0.0.1"
    port: int = 8000
    worker_probe_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="port of kontor worker's /healthz, /readyz, /metrics (on host); unset: none",
    )
    message_max_attempts: int = Field(default=5, ge=1)
    message_retry_base_seconds: float = Field(default=1.0, gt=0)
    message_retry_max_seconds: float = Field(default=600.0, gt=0)
    dispatcher_poll_seconds: float = Field(default=1.0, gt=0)
    message_retention_days: int | None = Field(
        default=None,
        ge=1,
        description="days delivered messages and their delivery ledger are kept; None: forever",
    )
    process_history_level: HistoryLevel = HistoryLevel.FULL
    process_history_ttl_days: int | None = Field(
        default=None, ge=0, description="days ended instances keep their history; None: forever"
    )
    process_history_purge_seconds: float = Field(default=3600.0, gt=0)
    process_job_lock_seconds: float = Field(
        default=300.0, gt=0, description="how long a claimed job stays locked to its executor"
    )
    process_step_max_elements: int = Field(
        default=10_000, gt=0, description="element executions one process step may take"
    )
    process_step_max_seconds: float = Field(
        default=5.0, gt=0, description="seconds one process step may run before it is stopped"
    )
    process_task_handler_modules: list[str] = Field(
        default_factory=list,
        description="modules whose register(handlers) adds in-process service-task handlers",
    )
    case_type_modules: list[str] = Field(
        default_factory=list,
        description="modules whose register(case_types) adds an application's case types",
    )
    feel_max_iterations: int = Field(
        default=1_000_000, ge=1, description="loop items, filter items and calls per evaluation"
    )
    feel_max_list_size: int = Field(
        default=100_000, ge=1, description="items of a list one FEEL/DMN evaluation builds"
    )
    feel_max_string_length: int = Field(
        default=1_000_000, ge=1, description="characters of a string one evaluation builds"
    )
    feel_max_depth: int = Field(default=64, ge=1, description="nesting of function calls")
    feel_max_seconds: float = Field(default=2.0, gt=0, description="time of one evaluation")
    audit_log_enabled: bool = Field(
        default=True, description="record every state change through the service layer"
    )
    audit_seal_seconds: float = Field(
        default=60.0, gt=0, description="how often the background loop seals the audit log"
    )
    audit_seal_grace_seconds: float = Field(
        default=10.0, ge=0, description="entries younger than this wait for the next seal"
    )
    audit_retention_days: int | None = Field(
        default=None, ge=1, description="days sealed audit entries are kept; None: forever"
    )
    notification_retention_days: int = Field(
        default=3,
        ge=1,
        description="days notifications are kept before the background loop purges them",
    )
    notification_purge_seconds: float = Field(
        default=3600.0, gt=0, description="how often the background loop purges old notifications"
    )
    notification_poll_seconds: float = Field(
        default=5.0,
        gt=0,
        description="how often a live notification stream looks for ones of other processes",
    )
    usage_billable_actions: list[str] = Field(
        default_factory=lambda: ["process.start"],
        description="actions (command types) the usage meter counts; empty: no meter",
    )
    session_idle_minutes: int = Field(
        default=30, ge=1, description="a login session ends after this long without requests"
    )
    session_absolute_hours: int = Field(
        default=12, ge=1, description="a login session ends this long after login, used or not"
    )
    session_touch_seconds: int = Field(
        default=60,
        ge=0,
        description="how often a session's last-seen time is written at most (idle counts from it)",
    )
    session_cookie_secure: bool = Field(
        default=True,
        description="send the session cookie over HTTPS only; off only for http://127.0.0.1",
    )
    api_token_max_days: int = Field(default=365, ge=1, description="longest API token lifetime")
    login_max_failures: int = Field(
        default=5, ge=1, description="failed logins of one account that lock it for a while"
    )
    login_max_failures_per_address: int = Field(
        default=50, ge=1, description="failed logins from one client address that lock it"
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server; unset: development and test keep mail in data_dir/mail",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = Field(default=True, description="switch to TLS before logging in")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_sender: str = Field(default="kontor@localhost", description="the From address")
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="where users reach Kontor (e-mails' links); unset: the loopback address served",
    )
    password_max_age_days: int = Field(
        default=120,
        ge=0,
        description="passwords expire this many days after they were set; 0: never",
    )
    password_reminder_days: list[int] = Field(
        default_factory=lambda: [30, 3],
        description="days before expiry on which users get a reminder e-mail",
    )
    login_lockout_minutes: int = Field(
        default=15, ge=1, description="how long a lockout lasts (and the window failures count in)"
    )
    api_max_body_bytes: int = Field(
        default=1024 * 1024, ge=1, description="largest JSON request body the API reads"
    )
    api_max_upload_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1, description="largest uploaded file (BPMN, DMN, scenarios)"
    )
    api_max_variables_bytes: int = Field(
        default=256 * 1024,
        ge=1,
        description="largest serialized variables of one start, completion, message or signal",
    )
    api_max_json_depth: int = Field(default=64, ge=2, description="deepest nesting of JSON input")
    api_max_number_digits: int = Field(
        default=100,
        ge=34,
        le=4000,  # below Python's int-string conversion limit (4300 digits)
        description="most digits a JSON number may need written out (1e999 needs 1000)",
    )
    database_busy_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="how long a statement waits for a lock before the request answers 503",
    )
    busy_retry_after_seconds: int = Field(
        default=2, ge=1, description="Retry-After of a 503 answered for a busy database"
    )
    jobs_stalled_after_seconds: float = Field(
        default=300.0,
        gt=0,
        description="how long one round of background work may run before /readyz says unready",
    )
    shutdown_timeout_seconds: float = Field(
        default=20.0,
        gt=0,
        description="how long SIGTERM waits for requests and background work before exiting",
    )
    portfolio_transfer_runs: bool = Field(
        default=True,
        description="the background loop runs due transfer calculations and applications",
    )
    portfolio_transfer_run_seconds: float = Field(
        default=300.0, gt=0, description="how often the transfer runs fire (seed: 5 minutes)"
    )
    portfolio_transfer_calculation_window: str = Field(
        default="Mo-So 06:00-22:00",
        description="when the runs calculate automatically (Berlin time; seed: daily 6:00-22:00)",
    )
    export_max_rows: int = Field(
        default=1_000_000, ge=1, description="most rows one CSV or XLSX export of a table holds"
    )
    task_bulk_max: int = Field(
        default=1000, ge=1, description="most tasks one bulk action over the API works on"
    )

    import_max_bytes: int = Field(
        default=30 * 1024 * 1024,
        ge=1,
        description="largest import file (GDV upload); refused while it streams in",
    )
    attachments_max_bytes: int = Field(
        default=25 * 1024 * 1024,
        ge=1,
        description="largest file attached to a task or kept with a case; refused while streaming",
    )
    links_max_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1,
        description="largest PDF an underwriter uploads to the Links app; refused while streaming",
    )
    import_run_window: str | None = Field(
        default=None,
        description="when imports load data, e.g. 'Mo-Fr 08:00-20:00' (Berlin); unset: always",
    )
    import_poll_seconds: float = Field(
        default=5.0, gt=0, description="how often the background runner looks for waiting imports"
    )
    import_lease_seconds: float = Field(
        default=900.0,
        gt=0,
        description="how long a run stays with its runner; a killed runner's run resumes after it",
    )
    import_lines_of_business: list[str] = Field(
        default_factory=lambda: ["030", "040", "050", "130", "140"],
        description="GDV lines of business (Sparten) the portfolio import loads; others skipped",
    )
    webhook_retry_base_seconds: float = Field(
        default=5.0, gt=0, description="first wait after a failed webhook delivery; doubles"
    )
    webhook_retry_max_seconds: float = Field(
        default=3600.0, gt=0, description="longest wait between two webhook delivery attempts"
    )
    webhook_disable_after_failures: int = Field(
        default=50, ge=1, description="failed deliveries in a row that switch a subscription off"
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="how long a webhook receiver may take to answer"
    )
    outbound_private_networks: bool | None = Field(
        default=None,
        description="whether webhooks and the REST connector may call loopback and private "
        "addresses; unset: allowed in development and test, refused in production",
    )
    connector_timeout_seconds: float = Field(
        default=30.0, gt=0, description="default timeout of one REST connector request"
    )
    connector_retries: int = Field(
        default=3, ge=0, description="default retries of a connector call on 5xx and network errors"
    )
    connector_retry_base_seconds: float = Field(
        default=0.5, ge=0, description="first wait before a connector retry; doubles"
    )
    bipro_timeout_seconds: float = Field(
        default=30.0, gt=0, description="how long a BiPRO provider (STS, transfer service) may take"
    )
    bipro_max_response_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1024, description="largest BiPRO answer (a shipment) read"
    )
    bipro_poll_lease_seconds: int = Field(
        default=600, ge=10, description="how long one poll holds a portal access"
    )
    camunda7_base_path: str = Field(
        default="/engine-rest",
        pattern=r"^/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]$",
        description="where the Camunda 7 REST compatibility API answers (Camunda's own path)",
    )

    test_clock_file: Path | None = Field(
        default=None,
        description="test environment only: a file whose ISO 8601 time is the clock of the process",
    )
    schedule_timer_batch: int = Field(
        default=1000,
        ge=1,
        description="due timers (schedule firings) one transaction fires at most",
    )
    secret_keys_retired: list[SecretStr] = Field(
        default_factory=list,
        description="former secret keys: stored credentials still decrypt with them until rotated",
    )

    @field_validator("import_lines_of_business")
    @classmethod
    def _three_digit_lines(cls, codes: list[str]) -> list[str]:
        """GDV Sparten as three digits (``30`` → ``030``); anything else is refused."""
        checked = [code.strip().zfill(3) if code.strip().isdigit() else code for code in codes]
        wrong = [code for code in checked if not (code.isdigit() and len(code) == 3)]
        if wrong:
            raise ValueError(f"{wrong[0]!r} is no GDV line of business (three digits, e.g. 130)")
        return checked

    @field_validator("import_run_window", "portfolio_transfer_calculation_window")
    @classmethod
    def _readable_window(cls, window: str | None) -> str | None:
        """A run window such as ``Mo-Fr 08:00-20:00``, refused naming the form otherwise."""
        if window:
            try:
                RunWindow.parse(window)
            except InvalidInput as error:
                raise ValueError(error.message) from None
        return window

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if (
            self.environment is not Environment.DEVELOPMENT
            and self.environment is not Environment.TEST
            and self.secret_key.get_secret_value() == DEVELOPMENT_SECRET
        ):
            raise ValueError(
                "KONTOR_SECRET_KEY is left at its development default; "
                f"set a secret of your own for environment '{self.environment.value}'"
            )
        return self

    @model_validator(mode="after")
    def _test_clock_in_tests_only(self) -> Settings:
        if self.test_clock_file is not None and self.environment is not Environment.TEST:
            raise ValueError(
                "KONTOR_TEST_CLOCK_FILE moves Kontor's time and is refused outside "
                "KONTOR_ENVIRONMENT=test"
            )
        return self

    @model_validator(mode="after")
    def _refuse_coarse_touch(self) -> Settings:
        if self.session_touch_seconds >= self.session_idle_minutes * 60:
            raise ValueError(
                "KONTOR_SESSION_TOUCH_SECONDS must be shorter than the idle timeout "
                "(KONTOR_SESSION_IDLE_MINUTES), or sessions in use would time out"
            )
        return self

    @model_validator(mode="after")
    def _refuse_insecure_cookie(self) -> Settings:
        if not self.session_cookie_secure and (
            self.environment is Environment.PRODUCTION or self.host not in LOOPBACK_HOSTS
        ):
            raise ValueError(
                "KONTOR_SESSION_COOKIE_SECURE=false is only for development on 127.0.0.1; "
                "serve over HTTPS (a TLS-terminating proxy) and keep the cookie secure"
            )
        return self

    @property
    def process_step_limits(self) -> StepLimits:
        """How many element executions and seconds one process step may take."""
        return StepLimits(self.process_step_max_elements, self.process_step_max_seconds)

    @property
    def effective_database_url(self) -> str:
        """The database URL in use: the configured one or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kontor.db').as_posix()}"

    @property
    def uses_rabbitmq(self) -> bool:
        """Whether messages travel through RabbitMQ instead of in-process dispatch."""
        return self.broker_url.startswith(("amqp://", "amqps://"))

    @property
    def evaluation_limits(self) -> EvaluationLimits:
        """The budget of one FEEL/DMN evaluation (a process condition, an /evaluate call)."""
        return EvaluationLimits(
            max_iterations=self.feel_max_iterations,
            max_list_size=self.feel_max_list_size,
            max_string_length=self.feel_max_string_length,
            max_depth=self.feel_max_depth,
            max_seconds=self.feel_max_seconds,
        )

    @property
    def allows_private_outbound(self) -> bool:
        """Whether outbound calls may reach loopback and private networks."""
        if self.outbound_private_networks is not None:
            return self.outbound_private_networks
        return self.environment is not Environment.PRODUCTION

    @property
    def json_logs(self) -> bool:
        """Whether log lines are JSON (production default) or readable text."""
        if self.log_format is LogFormat.AUTO:
            return self.environment is Environment.PRODUCTION
        return self.log_format is LogFormat.JSON

    def masked(self) -> dict[str, Any]:
        """The effective settings as a dict with secrets and passwords masked."""
        values = self.model_dump(mode="json")
        values["secret_key"] = "********"  # noqa: S105 - the mask, not a secret
        if self.smtp_password is not None:
            values["smtp_password"] = "********"  # noqa: S105 - the mask, not a secret
        values["secret_keys_retired"] = ["********" for _ in self.secret_keys_retired]
        values["database_url"] = mask_url_password(self.effective_database_url)
        values["broker_url"] = mask_url_password(self.broker_url)
        return values


def mask_url_password(url: str) -> str:
    """Replace the password of a URL (``scheme://user:password@host``) with asterisks."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user, has_password, _ = credentials.partition(":")
    return f"{scheme}://{user}:********@{host}" if has_password else url
