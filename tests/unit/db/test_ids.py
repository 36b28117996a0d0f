"""Time-ordered ids: valid version 7 UUIDs that sort in the order they were made."""

import os
import re
import threading
import uuid

import pytest

from kontor.db.ids import random_hex, time_ordered_id


def test_ids_sort_by_creation_and_are_version_7_uuids() -> None:
    ids = [time_ordered_id() for _ in range(2000)]
    assert sorted(ids) == ids
    assert len(set(ids)) == len(ids)
    assert {uuid.UUID(value).version for value in ids} == {7}
    assert {uuid.UUID(value).variant for value in ids} == {uuid.RFC_4122}


def test_threads_taking_ids_at_once_never_get_the_same() -> None:
    taken: list[list[str]] = [[] for _ in range(4)]

    def take(mine: list[str]) -> None:
        mine.extend(time_ordered_id() for _ in range(3000))  # several refills each

    threads = [threading.Thread(target=take, args=(mine,)) for mine in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [value for mine in taken for value in mine]
    assert len(set(every)) == len(every) == 12000


@pytest.mark.parametrize("size", [1, 8, 16, 20])
def test_random_hex_has_the_asked_length_and_varies(size: int) -> None:
    values = {random_hex(size) for _ in range(50)}
    assert len(values) > (10 if size == 1 else 49)
    assert all(re.fullmatch(f"[0-9a-f]{{{2 * size}}}", value) for value in values)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_does_not_repeat_its_parents_random_part() -> None:
    time_ordered_id()  # the parent holds a batch of random words now
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(reading)
        os.write(writing, time_ordered_id()[19:].encode())
        os._exit(0)
    os.close(writing)
    childs = os.read(reading, 100).decode()
    os.close(reading)
    os.waitpid(child, 0)
    assert childs != time_ordered_id()[19:]
