"""Row ids that sort by creation time, so indexes grow at their end instead of everywhere.

Their random part (and other random values, such as the audit log's salts) comes from the
operating system's source, read a batch at a time: one system call serves hundreds.
"""

from __future__ import annotations

import os
import struct
import threading
import time
from collections.abc import Iterator

_WORDS_PER_READ = 512  # random 64-bit words read at once: one system call for 512 ids
_unpack_words = struct.Struct("<Q").iter_unpack
_words: Iterator[tuple[int]] = iter(())
_refill_lock = threading.Lock()


def _forget_random() -> None:
    global _words
    _words = iter(())  # a forked child must not hand out the parent's ids


os.register_at_fork(after_in_child=_forget_random)


def _random_word() -> int:
    """64 random bits; taking one is a single C call, so threads never get the same."""
    global _words
    while True:
        try:
            return next(_words)[0]
        except StopIteration:
            with _refill_lock:
                _words = _unpack_words(os.urandom(8 * _WORDS_PER_READ))


def random_hex(size: int) -> str:
    """``size`` random bytes as hex text, from the same buffered system source as the ids."""
    words = (size + 7) // 8
    return "".join(f"{_random_word():016x}" for _ in range(words))[: 2 * size]


_RANDOM_62 = (1 << 62) - 1
_VARIANT = 0b10 << 62
_LOW_48 = (1 << 48) - 1


def time_ordered_id() -> str:
    """A version 7 UUID (RFC 9562, sub-millisecond precision) that sorts by creation time."""
    milliseconds, rest = divmod(time.time_ns(), 1_000_000)
    high = (milliseconds << 16) | 0x7000 | (rest * 4096 // 1_000_000)
    low = _VARIANT | (_random_word() & _RANDOM_62)
    return "%08x-%04x-%04x-%04x-%012x" % (  # noqa: UP031 - one formatting call, the fastest
        high >> 32,
        (high >> 16) & 0xFFFF,
        high & 0xFFFF,
        low >> 48,
        low & _LOW_48,
    )
