"""Uploaded files are kept whole with their checksum, or not at all."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kontor.errors import NotFound
from kontor.exchange import FileTooLarge, LocalBlobStore, store_chunks


def test_a_file_within_the_limit_is_kept_with_size_and_checksum(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "uploads")
    blob = store_chunks(store, [b"abc", b"def"], limit=6)
    assert (blob.size, blob.sha256) == (6, hashlib.sha256(b"abcdef").hexdigest())
    with store.open(blob.key) as stored:
        assert stored.read() == b"abcdef"
    assert store.keys() == [blob.key]
    store.delete(blob.key)
    store.delete(blob.key)  # gone already: no error
    with pytest.raises(NotFound):
        store.open(blob.key)


def test_a_file_over_the_limit_is_refused_while_streaming_and_nothing_stays(
    tmp_path: Path,
) -> None:
    store = LocalBlobStore(tmp_path / "uploads")
    read: list[bytes] = []

    def chunks() -> list[bytes]:
        return [b"x" * 4, b"y" * 4, b"z" * 4]

    def endless():  # type: ignore[no-untyped-def]
        for chunk in chunks():
            read.append(chunk)
            yield chunk

    with pytest.raises(FileTooLarge) as refused:
        store_chunks(store, endless(), limit=6)
    assert refused.value.details == {"limit_bytes": 6}
    assert len(read) == 2  # the third chunk was never asked for
    assert list((tmp_path / "uploads").iterdir()) == []


def test_keys_that_are_no_plain_names_are_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        LocalBlobStore(tmp_path).open("../etc/passwd")
