"""Durable storage of the process engine: definitions, instances, jobs, subscriptions, history."""

from kontor.process.store.definitions import DefinitionStore, DeployedDefinition, content_hash
from kontor.process.store.derived import JOB, TIMER, idempotency_key
from kontor.process.store.instances import (
    ActivityRecord,
    InstanceRecord,
    InstanceStore,
    SubscriptionRow,
)
from kontor.process.store.job_queue import ClaimedJob, JobQueue

__all__ = [
    "JOB",
    "TIMER",
    "ActivityRecord",
    "ClaimedJob",
    "DefinitionStore",
    "DeployedDefinition",
    "InstanceRecord",
    "InstanceStore",
    "JobQueue",
    "SubscriptionRow",
    "content_hash",
    "idempotency_key",
]
