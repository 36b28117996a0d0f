"""The real ``kontor serve`` fires durable timers in its background loop: a task's due date
passes and the task is escalated without anyone asking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from support.messaging import wait_for
from support.server import kontor_env, running_server


def test_a_served_task_misses_its_due_date_and_the_server_escalates_it(tmp_path: Path) -> None:
    with running_server(kontor_env(tmp_path)) as server, server.client() as client:
        due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        body = {"name": "Rückruf", "candidate_groups": ["desk"], "due_at": due.isoformat()}
        created = client.post("/api/tasks", json=body)
        assert created.status_code == 201, created.text
        task_id = created.json()["task_id"]
        deadlines = client.get(f"/api/tasks/{task_id}/deadlines").json()
        assert [(d["kind"], d["missed_at"]) for d in deadlines] == [("completion", None)]

        def escalated() -> bool:
            history = client.get(f"/api/tasks/{task_id}").json()["history"]
            return "deadline_missed" in [entry["operation"] for entry in history]

        wait_for(escalated, "the server to fire the task's deadline")
        [missed] = client.get(f"/api/tasks/{task_id}/deadlines").json()
        assert missed["missed_at"] is not None
