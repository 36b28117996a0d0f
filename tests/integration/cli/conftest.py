"""The CLI runs in the test process: keep its logging set-up from outliving each test."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    """Put back the root logger's handlers and level that a CLI command replaced.

    Each command configures logging to the ``sys.stderr`` of the moment, which under pytest is a
    capture stream closed after the test; later tests in the same worker would log into it.
    """
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
