"""Explicit, JSON-serialisable state of one process instance.

Every table here maps one to one onto rows a persistence adapter stores: nothing about a
running instance lives only in memory.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar


class InstanceStatus(StrEnum):
    """Lifecycle of a process instance."""

    ACTIVE = "active"
    COMPLETED = "completed"
    TERMINATED = "terminated"


class ScopeKind(StrEnum):
    """What opened a variable/token scope."""

    PROCESS = "process"
    SUB_PROCESS = "sub_process"
    EVENT_SUB_PROCESS = "event_sub_process"
    MULTI_INSTANCE_BODY = "multi_instance_body"


class Wait(StrEnum):
    """Why a token is not moving."""

    USER_TASK = "user_task"
    JOB = "job"
    MESSAGE = "message"
    SIGNAL = "signal"
    TIMER = "timer"
    CONDITION = "condition"
    SCOPE = "scope"
    CALL_ACTIVITY = "call_activity"
    EVENT_GATEWAY = "event_gateway"
    JOIN = "join"
    INCIDENT = "incident"
    COMPENSATION = "compensation"


@dataclass
class Token:
    """A token at a flow node of a scope; ``locals`` are activity-local variables."""

    id: str
    scope_id: str
    element_id: str
    wait: Wait | None = None
    arrived_via: str | None = None
    child_scope_id: str | None = None
    locals: dict[str, Any] = field(default_factory=dict)
    loop_counter: int | None = None


@dataclass
class Scope:
    """A variable scope: the process, a sub-process or a multi-instance body."""

    id: str
    kind: ScopeKind
    element_id: str
    parent_id: str | None
    parent_token_id: str | None
    variables: dict[str, Any] = field(default_factory=dict)
    items: list[Any] | None = None
    total: int = 0
    started: int = 0
    completed: int = 0
    outputs: list[Any] = field(default_factory=list)
    complex_rounds: dict[str, list[str]] = field(default_factory=dict)
    """Complex gateway id → the incoming flows its last firing consumed; until a token came
    on each of the others (or none can come any more) the gateway resets instead of firing."""
    ad_hoc_completing: bool = False
    """An ad-hoc sub-process that completes as soon as its running inner activities end."""


@dataclass
class UserTask:
    """An open user task waiting for completion."""

    id: str
    token_id: str
    element_id: str
    created_at: str


@dataclass
class Job:
    """Work for an external worker (service task, async step, decision evaluation)."""

    id: str
    token_id: str
    element_id: str
    type: str
    retries: int
    headers: dict[str, str] = field(default_factory=dict)
    error_message: str | None = None
    purpose: str = "task"
    priority: int = 0  # external tasks: higher ones are fetched first when asked for


@dataclass
class Timer:
    """A scheduled timer; ``kind`` says what it triggers when fired."""

    id: str
    element_id: str
    due: str
    kind: str
    token_id: str | None = None
    scope_id: str | None = None
    repetitions_left: int | None = None
    interval: str | None = None
    definition: int = 0
    """Index of the event definition it waits for (events with several definitions)."""


@dataclass
class Subscription:
    """An open message, signal or condition subscription (``kind`` as for timers)."""

    id: str
    event: str
    name: str
    element_id: str
    kind: str
    correlation_key: str | None = None
    token_id: str | None = None
    scope_id: str | None = None
    definition: int = 0
    """Index of the event definition it waits for (events with several definitions)."""


@dataclass
class EventArrival:
    """The definitions of a waiting parallel multiple event that arrived so far (§10.5.4).

    Held by ``token_id`` (catch and boundary events) or ``scope_id`` (event sub-process
    starts); ``variables`` are the arrived payloads, applied when the last definition arrives.
    """

    id: str
    element_id: str
    token_id: str | None = None
    scope_id: str | None = None
    arrived: list[int] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass
class Incident:
    """A problem the instance cannot solve alone; the token waits until resolved.

    ``subscription_id``: the condition of that conditional event failed to evaluate; the
    subscription rests until the incident is resolved (its holder token, if any, moves on).
    """

    id: str
    token_id: str
    element_id: str
    reason: str
    job_id: str | None = None
    subscription_id: str | None = None


@dataclass
class ParkedCompletion:
    """A result that arrived while the instance was suspended; applied in order on resume.

    ``kind`` is ``user_task`` (completed with ``variables``) or, for the job ``target_id``,
    ``job`` (completed), ``job_error`` (BPMN error ``error_code``) or ``job_failure``
    (failed with ``retries`` left).
    """

    kind: str
    target_id: str
    variables: dict[str, Any] = field(default_factory=dict)
    error_code: str | None = None
    message: str = ""
    retries: int | None = None


@dataclass
class Compensable:
    """A completed activity instance that can still be compensated (BPMN 2.0 §10.5.6).

    ``variables`` is the snapshot taken at completion: the activity's local variables, or for
    a sub-process (``inner_scope_id``) its scope variables. A sub-process or multi-instance
    record holds the records of its inner scope; ``order`` is the completion order.
    """

    id: str
    order: int
    scope_id: str
    element_id: str
    handler_id: str | None = None
    inner_scope_id: str | None = None
    inner_kind: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass
class CompensationRun:
    """Compensation in progress in ``scope_id``: the records still to undo, newest first.

    ``thrower_token_id`` waits for the run (``waitForCompletion``); ``parent_run_id`` is set
    for the run of a sub-process's inner records; ``cancel`` marks a transaction cancel that
    takes the cancel boundary flow afterwards.
    """

    id: str
    scope_id: str
    pending: list[str] = field(default_factory=list)
    thrower_token_id: str | None = None
    parent_run_id: str | None = None
    handler_token_id: str | None = None
    inner_scope_id: str | None = None
    cancel: bool = False


@dataclass
class InstanceState:
    """All state of one process instance."""

    instance_id: str
    process_id: str
    status: InstanceStatus = InstanceStatus.ACTIVE
    root_scope_id: str = ""
    scopes: dict[str, Scope] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    user_tasks: dict[str, UserTask] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    timers: dict[str, Timer] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)
    next_id: int = 1
    suspended: bool = False
    parked: list[ParkedCompletion] = field(default_factory=list)
    compensables: dict[str, Compensable] = field(default_factory=dict)
    compensation_runs: dict[str, CompensationRun] = field(default_factory=dict)
    event_arrivals: dict[str, EventArrival] = field(default_factory=dict)

    def new_id(self, prefix: str) -> str:
        """A fresh id unique within the instance (deterministic, so replays agree)."""
        value = f"{prefix}-{self.next_id}"
        self.next_id += 1
        return value

    @property
    def variables(self) -> dict[str, Any]:
        """The process-level variables."""
        return self.scopes[self.root_scope_id].variables if self.root_scope_id else {}

    def copy(self) -> InstanceState:
        """A deep copy; commands never change the state they were given."""
        # Hand-written instead of copy.deepcopy: this runs once per command and the generic
        # deep copy dominated the runtime's cost.
        return InstanceState(
            instance_id=self.instance_id,
            process_id=self.process_id,
            status=self.status,
            root_scope_id=self.root_scope_id,
            scopes={key: _copy_scope(row) for key, row in self.scopes.items()},
            tokens={
                key: replace(row, locals=copy_json(row.locals)) for key, row in self.tokens.items()
            },
            user_tasks={key: replace(row) for key, row in self.user_tasks.items()},
            jobs={key: replace(row, headers=dict(row.headers)) for key, row in self.jobs.items()},
            timers={key: replace(row) for key, row in self.timers.items()},
            subscriptions={key: replace(row) for key, row in self.subscriptions.items()},
            incidents={key: replace(row) for key, row in self.incidents.items()},
            next_id=self.next_id,
            suspended=self.suspended,
            parked=[replace(row, variables=copy_json(row.variables)) for row in self.parked],
            compensables={
                key: replace(row, variables=copy_json(row.variables))
                for key, row in self.compensables.items()
            },
            compensation_runs={
                key: replace(row, pending=list(row.pending))
                for key, row in self.compensation_runs.items()
            },
            event_arrivals={
                key: replace(row, arrived=list(row.arrived), variables=copy_json(row.variables))
                for key, row in self.event_arrivals.items()
            },
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able representation (shares nested values with the state: serialise, don't edit)."""
        # Hand-written instead of dataclasses.asdict, whose deep copy dominated saving a step.
        data: dict[str, Any] = {
            "instance_id": self.instance_id,
            "process_id": self.process_id,
            "status": self.status.value,
            "root_scope_id": self.root_scope_id,
            "scopes": _rows(self.scopes),
            "tokens": _rows(self.tokens),
            "user_tasks": _rows(self.user_tasks),
            "jobs": _rows(self.jobs),
            "timers": _rows(self.timers),
            "subscriptions": _rows(self.subscriptions),
            "incidents": _rows(self.incidents),
            "next_id": self.next_id,
            "suspended": self.suspended,
            "parked": [dict(vars(row)) for row in self.parked],
        }
        if self.compensables or self.compensation_runs:  # only models with compensation
            data["compensables"] = _rows(self.compensables)
            data["compensation_runs"] = _rows(self.compensation_runs)
        if self.event_arrivals:  # only while a parallel multiple event waits
            data["event_arrivals"] = _rows(self.event_arrivals)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InstanceState:
        """Rebuild the state from ``to_dict`` output."""
        return cls(
            instance_id=data["instance_id"],
            process_id=data["process_id"],
            status=InstanceStatus(data["status"]),
            root_scope_id=data["root_scope_id"],
            scopes=_table(Scope, data["scopes"]),
            tokens=_table(Token, data["tokens"]),
            user_tasks=_table(UserTask, data["user_tasks"]),
            jobs=_table(Job, data["jobs"]),
            timers=_table(Timer, data["timers"]),
            subscriptions=_table(Subscription, data["subscriptions"]),
            incidents=_table(Incident, data["incidents"]),
            next_id=data["next_id"],
            suspended=data.get("suspended", False),
            parked=[ParkedCompletion(**row) for row in data.get("parked", ())],  # older: none
            compensables=_table(Compensable, data.get("compensables", {})),
            compensation_runs=_table(CompensationRun, data.get("compensation_runs", {})),
            event_arrivals=_table(EventArrival, data.get("event_arrivals", {})),
        )


def copy_json(value: Any) -> Any:
    """Deep copy of JSON-like data (dicts and lists; other values are immutable)."""
    kind = type(value)
    if kind is dict:
        return {key: copy_json(item) for key, item in value.items()}
    if kind is list:
        return [copy_json(item) for item in value]
    return copy.deepcopy(value) if kind not in _IMMUTABLE else value


_IMMUTABLE = frozenset({str, int, float, bool, type(None)})


def _copy_scope(scope: Scope) -> Scope:
    return replace(
        scope,
        variables=copy_json(scope.variables),
        items=copy_json(scope.items),
        outputs=copy_json(scope.outputs),
        complex_rounds=copy_json(scope.complex_rounds),
    )


R = TypeVar("R")


def _rows(table: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {key: dict(vars(row)) for key, row in table.items()}


@cache
def _field_names(row_type: type[Any]) -> frozenset[str]:
    return frozenset(f.name for f in fields(row_type))


def _table(row_type: type[R], rows: dict[str, dict[str, Any]]) -> dict[str, R]:
    names = _field_names(row_type)  # type: ignore[arg-type]
    result: dict[str, R] = {}
    for key, row in rows.items():
        values = (
            row
            if names.issuperset(row)  # as written by this version: no copy
            else {name: value for name, value in row.items() if name in names}
        )
        if row_type is Token and values.get("wait") is not None:
            values = {**values, "wait": Wait(values["wait"])}
        elif row_type is Scope:
            values = {**values, "kind": ScopeKind(values["kind"])}
        result[key] = row_type(**values)
    return result
