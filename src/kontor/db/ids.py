"""Row ids that sort by creation time, so indexes grow at their end instead of everywhere."""

from __future__ import annotations

import os
import time
import uuid


def time_ordered_id() -> str:
    """A version 7 UUID (RFC 9562, sub-millisecond precision) that sorts by creation time."""
    nanoseconds = time.time_ns()
    milliseconds, rest = divmod(nanoseconds, 1_000_000)
    fraction = rest * 4096 // 1_000_000
    random_bits = int.from_bytes(os.urandom(8)) & ((1 << 62) - 1)
    value = (milliseconds << 80) | (0x7 << 76) | (fraction << 64) | (0b10 << 62) | random_bits
    return str(uuid.UUID(int=value))
