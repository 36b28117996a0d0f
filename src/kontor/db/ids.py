"""Row ids that sort by creation time, so indexes grow at their end instead of everywhere.

Their random part (and other random values, such as the audit log's salts) comes from the
operating system's source, read a batch at a time: one system call serves hundreds.
"""

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


def _random_bytes(size: int) -> bytes:
    with _random_lock:
        if len(_random) < size:
            _random.extend(os.urandom(_RANDOM_BATCH))
        chunk = bytes(_random[-size:])
        del _random[-size:]
    return chunk


def _random_bits() -> int:
    return int.from_bytes(_random_bytes(8)) & ((1 << 62) - 1)


def random_hex(size: int) -> str:
    """``size`` random bytes as hex text, from the same buffered system source as the ids."""
    return _random_bytes(size).hex()


def time_ordered_id() -> str:
    """A version 7 UUID (RFC 9562, sub-millisecond precision) that sorts by creation time."""
    milliseconds, rest = divmod(time.time_ns(), 1_000_000)
    fraction = rest * 4096 // 1_000_000
    digits = f"{milliseconds:012x}7{fraction:03x}{(0b10 << 62) | _random_bits():016x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
