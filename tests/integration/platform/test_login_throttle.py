"""Concurrent failed logins all count and never collide, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine

from kontor.messaging import FakeClock
from kontor.platform import Authenticator, LoginFailed, LoginLocked, PasswordHasher, ThrottlePolicy
from support.backends import BACKENDS


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_parallel_failures_lock_the_account(engine: Engine) -> None:
    authenticator = Authenticator(PasswordHasher(), throttle=ThrottlePolicy(account_failures=8))
    clock = FakeClock()

    def attempt(_: int) -> str:
        try:
            authenticator.login(engine, clock, "niemand@example.org", "falsch falsch")
        except (LoginFailed, LoginLocked) as refused:
            return refused.code
        return "logged in"

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(attempt, range(8)))
    assert set(answers) <= {"platform.login_failed", "platform.login_locked"}
    assert attempt(0) == "platform.login_locked"
