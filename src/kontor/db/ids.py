"""Row ids that sort by creation time, so indexes grow at their end instead of everywhere."""

from __future__ import annotations

import os
import threading
import time

_RANDOM_BATCH = 8 * 512  # random bytes read at once: one system call for 512 ids
_random = bytearray()
_random_lock = threading.Lock()


def _forget_random() -> None:
    _random.clear()  # a forked child must not hand out the parent's ids


os.register_at_fork(after_in_child=_forget_random)


def _random_bits() -> int:
    with _random_lock:
        if not _random:
            _random.extend(os.urandom(_RANDOM_BATCH))
        chunk = _random[-8:]
        del _random[-8:]
    return int.from_bytes(chunk) & ((1 << 62) - 1)


def time_ordered_id() -> str:
    """A version 7 UUID (RFC 9562, sub-millisecond precision) that sorts by creation time."""
    milliseconds, rest = divmod(time.time_ns(), 1_000_000)
    fraction = rest * 4096 // 1_000_000
    digits = f"{milliseconds:012x}7{fraction:03x}{(0b10 << 62) | _random_bits():016x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
