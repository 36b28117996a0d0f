"""Another transaction holding the database's lock: 503 with Retry-After, never a 500."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from kontor import db
from support.abuse import PATIENCE, AbusedServer

pytestmark = pytest.mark.abuse

SERVER_SETTINGS = {
    "KONTOR_DATABASE_BUSY_TIMEOUT_SECONDS": "0.5",
    "KONTOR_BUSY_RETRY_AFTER_SECONDS": "7",
}
START = "/api/process/definitions/Wait/start"


def test_starts_behind_a_held_write_lock_answer_503_and_go_through_once_it_is_released(
    abused: AbusedServer,
) -> None:
    before = abused.row_counts()
    holder = db.create_database_engine(abused.database_url)
    try:
        with db.connect_for_writing(holder) as connection, connection.begin():
            if holder.dialect.name == "postgresql":
                connection.execute(text("LOCK TABLE process_instances IN EXCLUSIVE MODE"))
            else:
                connection.execute(text("SELECT 1"))  # BEGIN IMMEDIATE holds the write lock
            with ThreadPoolExecutor(4) as senders:
                starts = [senders.submit(abused.client.post, START, json={}) for _ in range(4)]
                abused.assert_responsive()  # reads go on while the write lock is held
                answers = [start.result(timeout=PATIENCE) for start in starts]
    finally:
        holder.dispose()
    for answer in answers:
        assert (answer.status_code, answer.headers["retry-after"]) == (503, "7")
        assert answer.json()["code"] == "kontor.database_busy"
    assert abused.row_counts() == before
    assert abused.client.post(START, json={}).status_code == 201
