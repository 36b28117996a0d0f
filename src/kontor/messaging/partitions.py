"""Ordering keys: which messages must be handled in the order they were committed.

Scaled out, messages travel in partitions (one broker queue each, one active consumer at a
time). A message's partition follows from its ordering key, so the messages of one process
instance, case or task stay in one partition and are handled in commit order, while different
instances spread over the consumers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zlib import crc32

ORDERING_FIELDS = ("instance_id", "process_instance_id", "case_id", "task_id")
"""Payload fields that name what a message is about, in the order they are asked for: the first
one present is its ordering key; a message with none of them is ordered by its correlation id."""


def ordering_key(payload: Mapping[str, Any], correlation_id: str) -> str:
    """What ``payload``'s message is ordered with: its process instance, case or task, else
    the messages of the same correlation."""
    for name in ORDERING_FIELDS:
        value = payload.get(name)
        if value:
            return f"{name}:{value}"
    return f"correlation_id:{correlation_id}"


def partition_of(key: str, partitions: int) -> int:
    """The partition (0 … ``partitions`` − 1) of ordering key ``key``; stable across processes,
    Python versions and restarts."""
    return crc32(key.encode()) % partitions
