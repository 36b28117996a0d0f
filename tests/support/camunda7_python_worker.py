"""A worker written against Camunda 7 with its official Python client, run unchanged on Kontor.

``python camunda7_python_worker.py BASE_URL TOKEN WORKER_ID``: serves the invoice model's
topics until it is stopped. What it does with an invoice is named by the invoice's ``outcome``
variable: ``complete`` (with typed variables), ``fail`` (until the retries are used up) or
``error`` (the BPMN error ``NO_BUDGET``). Booking records the types it saw.
"""

from __future__ import annotations

import sys

from camunda.external_task.external_task import ExternalTask, TaskResult
from camunda.external_task.external_task_worker import ExternalTaskWorker


def handle(task: ExternalTask) -> TaskResult:
    """Check or book an invoice."""
    if task.get_topic_name() == "book-invoice":
        fee = task.get_variable("fee", with_meta=True)
        checked = task.get_variable("checkedAt", with_meta=True)
        return task.complete({
            "feeType": fee["type"], "feeSeen": fee["value"], "checkedAtType": checked["type"],
            "worker": task.get_worker_id(),
        })  # fmt: skip
    outcome = task.get_variable("outcome")
    if outcome == "fail":
        return task.failure("Buchhaltung nicht erreichbar", "connection refused", 2, 0)
    if outcome == "error":
        return task.bpmn_error("NO_BUDGET", "Budget erschöpft", {"reason": "budget"})
    return task.complete({
        "approved": True,
        "fee": 19.99,
        "amountCents": 2**40,
        "checkedAt": {"value": "2026-06-30T21:44:30.000+0200", "type": "Date"},
    })  # fmt: skip


def main() -> None:
    """Subscribe to the invoice topics with the token as the Basic password."""
    base_url, token, worker_id = sys.argv[1:4]
    config = {
        "auth_basic": {"username": "worker", "password": token},
        "maxTasks": 1,
        "lockDuration": 60_000,
        "asyncResponseTimeout": 2_000,
        "sleepSeconds": 1,
    }
    worker = ExternalTaskWorker(worker_id=worker_id, base_url=base_url, config=config)
    print("subscribed", flush=True)
    worker.subscribe(["check-invoice", "book-invoice"], handle)


if __name__ == "__main__":
    main()
