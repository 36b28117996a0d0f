"""Uploaded files on disk: streamed in under a size limit, checksummed, read back, removed.

A file is written to a temporary name and renamed when complete; a refused or broken upload
leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from kontor.errors import KontorError, NotFound


class FileTooLarge(KontorError):
    """An upload larger than the limit; refused while it streamed in, nothing kept."""

    code = "exchange.file_too_large"
    status = 413
    title = "Content too large"

    def __init__(self, limit: int) -> None:
        megabytes = limit / (1024 * 1024)
        super().__init__(
            f"the file exceeds the limit of {limit} bytes ({megabytes:.0f} MB); "
            "split it into smaller files and upload them one by one",
            limit_bytes=limit,
        )


@dataclass(frozen=True)
class StoredBlob:
    """A stored file: its key, size and SHA-256 checksum."""

    key: str
    size: int
    sha256: str


class BlobWriter(Protocol):
    """A file being written: chunks go in, ``finish`` keeps it, ``discard`` drops it."""

    def write(self, chunk: bytes) -> None:
        """Append ``chunk``; raises ``FileTooLarge`` once the limit is passed."""

    def finish(self) -> StoredBlob:
        """Keep the file and say where it is."""

    def discard(self) -> None:
        """Drop what was written."""


class BlobStore(Protocol):
    """Where uploaded files are kept until their run has finished."""

    def writer(self, limit: int) -> BlobWriter:
        """A writer for a new file of at most ``limit`` bytes."""

    def open(self, key: str) -> BinaryIO:
        """The stored file for reading (``NotFound`` if it is gone)."""

    def delete(self, key: str) -> None:
        """Remove the file (no error if it is gone already)."""


class LocalBlobStore:
    """Files in a folder of the local file system (the data dir's ``uploads``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def writer(self, limit: int) -> _LocalWriter:
        """A writer for a new file of at most ``limit`` bytes."""
        self.root.mkdir(parents=True, exist_ok=True)
        return _LocalWriter(self.root, uuid.uuid4().hex, limit)

    def open(self, key: str) -> BinaryIO:
        """The stored file for reading (``NotFound`` if it is gone)."""
        try:
            return self._path(key).open("rb")
        except FileNotFoundError as error:
            raise NotFound(f"the stored file {key} is gone", blob_key=key) from error

    def delete(self, key: str) -> None:
        """Remove the file (no error if it is gone already)."""
        self._path(key).unlink(missing_ok=True)

    def keys(self) -> list[str]:
        """Every stored file (for checks and clean-up)."""
        if not self.root.exists():
            return []
        return sorted(path.name for path in self.root.iterdir() if path.is_file())

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise NotFound(f"no stored file {key!r}", blob_key=key)
        return self.root / key


class _LocalWriter:
    def __init__(self, root: Path, key: str, limit: int) -> None:
        self._final = root / key
        self._partial = root / f".{key}.partial"
        self._key = key
        self._limit = limit
        self._size = 0
        self._hash = hashlib.sha256()
        self._file: BinaryIO | None = self._partial.open("wb")

    def write(self, chunk: bytes) -> None:
        if self._file is None:
            raise RuntimeError("the file was finished or discarded already")
        self._size += len(chunk)
        if self._size > self._limit:
            self.discard()
            raise FileTooLarge(self._limit)
        self._hash.update(chunk)
        self._file.write(chunk)

    def finish(self) -> StoredBlob:
        if self._file is None:
            raise RuntimeError("the file was finished or discarded already")
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        self._partial.replace(self._final)
        return StoredBlob(self._key, self._size, self._hash.hexdigest())

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._partial.unlink(missing_ok=True)


def store_chunks(store: BlobStore, chunks: Iterable[bytes], limit: int) -> StoredBlob:
    """Stream ``chunks`` into a new file of at most ``limit`` bytes; nothing kept on failure."""
    writer = store.writer(limit)
    try:
        for chunk in chunks:
            writer.write(chunk)
    except BaseException:
        writer.discard()
        raise
    return writer.finish()


async def store_stream(store: BlobStore, chunks: AsyncIterable[bytes], limit: int) -> StoredBlob:
    """Like ``store_chunks`` for an asynchronous stream (a request body)."""
    writer = store.writer(limit)
    try:
        async for chunk in chunks:
            writer.write(chunk)
    except BaseException:
        writer.discard()
        raise
    return writer.finish()
