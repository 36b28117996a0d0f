"""Durable storage of the process engine: definitions, instances, jobs, subscriptions, history."""

from kontor.process.store.definitions import DefinitionStore, DeployedDefinition, content_hash
from kontor.process.store.derived import JOB, TIMER, idempotency_key
from kontor.process.store.history import (
    ActivityInstance,
    HistoryLevel,
    HistoryStore,
    IncidentRecord,
    OperationRecord,
    VariableChange,
    log_operation,
    operations,
)
from kontor.process.store.instances import (
    InstanceRecord,
    InstanceStore,
    SubscriptionRow,
)
from kontor.process.store.job_queue import ClaimedJob, JobQueue

__all__ = [
    "JOB",
    "TIMER",
    "ActivityInstance",
    "ClaimedJob",
    "DefinitionStore",
    "DeployedDefinition",
    "HistoryLevel",
    "HistoryStore",
    "IncidentRecord",
    "InstanceRecord",
    "InstanceStore",
    "JobQueue",
    "OperationRecord",
    "SubscriptionRow",
    "VariableChange",
    "content_hash",
    "idempotency_key",
    "log_operation",
    "operations",
]
