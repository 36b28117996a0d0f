"""The real ``kontor serve`` fires durable timers in its background loop: a task's due date
passes on the server's clock and the task is escalated without anyone asking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from support.messaging import wait_for
from support.server import kontor_env, on_test_clock, running_server


def test_a_served_task_misses_its_due_date_and_the_server_escalates_it(tmp_path: Path) -> None:
    clock = tmp_path / "now"
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)  # near the real date: API tokens expire
    clock.write_text(now.isoformat(), encoding="utf-8")
    env = kontor_env(tmp_path / "data", **on_test_clock(clock))
    with running_server(env) as server, server.client() as client:
        due = now + dt.timedelta(hours=1)
        body = {"name": "Rückruf", "candidate_groups": ["desk"], "due_at": due.isoformat()}
        created = client.post("/api/tasks", json=body)
        assert created.status_code == 201, created.text
        task_id = created.json()["task_id"]
        deadlines = client.get(f"/api/tasks/{task_id}/deadlines").json()
        assert [(d["kind"], d["missed_at"]) for d in deadlines] == [("completion", None)]

        clock.write_text((due + dt.timedelta(minutes=1)).isoformat(), encoding="utf-8")

        def escalated() -> bool:
            history = client.get(f"/api/tasks/{task_id}").json()["history"]
            return "deadline_missed" in [entry["operation"] for entry in history]

        wait_for(escalated, "the server to fire the task's deadline")
        [missed] = client.get(f"/api/tasks/{task_id}/deadlines").json()
        assert missed["missed_at"] is not None
