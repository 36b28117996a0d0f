"""Kontor exchange component: import/export pipelines with visible steps, uploaded files."""

from kontor.exchange.blobs import (
    BlobStore,
    BlobWriter,
    FileTooLarge,
    LocalBlobStore,
    StoredBlob,
    store_chunks,
    store_stream,
)

__all__ = [
    "BlobStore",
    "BlobWriter",
    "FileTooLarge",
    "LocalBlobStore",
    "StoredBlob",
    "store_chunks",
    "store_stream",
]
