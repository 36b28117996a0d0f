"""Time-ordered ids: valid version 7 UUIDs that sort in the order they were made."""

import uuid

from kontor.db.ids import time_ordered_id


def test_ids_sort_by_creation_and_are_version_7_uuids() -> None:
    ids = [time_ordered_id() for _ in range(2000)]
    assert sorted(ids) == ids
    assert len(set(ids)) == len(ids)
    assert {uuid.UUID(value).version for value in ids} == {7}
