"""A worker woken because jobs became due runs them batch by batch and stops at the first batch
that was not full: it does not claim once more only to find nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from kontor.process.store import job_queue
from support.backends import BACKENDS
from support.process_world import World, chain, model, process

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

SCORE = model(
    process(
        "Score",
        '<bpmn:startEvent id="Start"/><bpmn:serviceTask id="Rate"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="rate"/></bpmn:extensionElements></bpmn:serviceTask>'
        '<bpmn:endEvent id="End"/>',
        chain("Start", "Rate", "End"),
    )
)


def test_announced_jobs_run_in_batches_until_one_is_not_full(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(engine)
    world.handlers.register("rate", lambda variables, headers: {"rated": True})
    world.deploy(SCORE)
    instances = [world.start("Score") for _ in range(3)]
    claimed: list[int] = []
    claim_due = job_queue.JobQueue.claim_due

    def counted(self: job_queue.JobQueue, *args: Any, **kwargs: Any) -> Any:
        jobs = claim_due(self, *args, **kwargs)
        claimed.append(len(jobs))
        return jobs

    monkeypatch.setattr(job_queue.JobQueue, "claim_due", counted)
    world.executor.batch = 2
    assert world.executor.run_announced().completed == 3
    assert claimed == [2, 1]  # the second batch took what was left
    assert [world.status(instance) for instance in instances] == ["completed"] * 3
