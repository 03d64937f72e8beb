"""Document content in Django's storage (local files by default, S3 when configured).

Content is always copied in chunks while being counted and hashed, in one pass.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.core.files import File
from django.core.files.storage import Storage, storages

CHUNK_SIZE = 1024 * 1024
# integriteit.algoritme values whose digest docload can compute while copying.
DIGESTS = {"md5": "md5", "sha_1": "sha1", "sha_256": "sha256", "sha_512": "sha512"}


def content_storage() -> Storage:
    return storages["default"]


def content_key(document_uuid: uuid.UUID, attempt: str) -> str:
    """Where a document's content lives: unique per document and per writer.

    `attempt` is the import job (so a redone batch overwrites its own earlier bytes and never
    another writer's) or a random token for API writes.
    """
    text = str(document_uuid)
    return f"documenten/{text[:2]}/{text}-{attempt}"


@dataclass
class StoredContent:
    key: str
    size: int
    digests: dict[str, str] = field(default_factory=dict)


class _CountingReader:
    """A file-like view of a stream that counts and hashes what passes through it.

    `chunks()` serves FileSystemStorage without re-slicing; `read()` serves storages that pull
    (S3's upload_fileobj).
    """

    def __init__(self, chunks: Iterable[bytes], name: str, algorithms: Collection[str]) -> None:
        self._chunks = iter(chunks)
        self._pending = b""
        self.name = name
        self.size = 0
        self.hashes = {algorithm: hashlib.new(DIGESTS[algorithm]) for algorithm in algorithms}

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        for digest in self.hashes.values():
            digest.update(data)
        return data

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        for chunk in self._chunks:
            yield self._count(chunk)

    def read(self, size: int = -1) -> bytes:
        if not self._pending:
            self._pending = next(self._chunks, b"")
        if size is None or size < 0 or size >= len(self._pending):
            data, self._pending = self._pending, b""
        else:
            data, self._pending = self._pending[:size], self._pending[size:]
        return self._count(data)


def iter_chunks(stream: IO[bytes], chunk_size: int = CHUNK_SIZE) -> Iterable[bytes]:
    """Yield a binary stream's bytes in chunks."""
    while chunk := stream.read(chunk_size):
        yield chunk


def store_content(
    key: str, chunks: Iterable[bytes], algorithms: Collection[str] = ()
) -> StoredContent:
    """Write `chunks` under `key` (replacing what was there), computing size and digests."""
    reader = _CountingReader(chunks, key, [name for name in algorithms if name in DIGESTS])
    saved = content_storage().save(key, reader)  # type: ignore[arg-type]
    if saved != key:  # pragma: no cover - storages are configured to overwrite
        raise RuntimeError(f"storage stored {key!r} as {saved!r}")
    digests = {name: digest.hexdigest() for name, digest in reader.hashes.items()}
    return StoredContent(key=key, size=reader.size, digests=digests)


def open_content(key: str) -> File:
    return content_storage().open(key, "rb")


def delete_content(keys: Iterable[str]) -> None:
    storage = content_storage()
    for key in keys:
        if key:
            storage.delete(key)


def make_durable(keys: Iterable[str]) -> None:
    """Flush local content files to disk (one fsync each) before their rows commit.

    Remote storages (S3) are durable once `save` returns, so nothing is needed there.
    """
    storage = content_storage()
    try:
        paths = [storage.path(key) for key in keys]
    except NotImplementedError:
        return
    directories = set()
    for path in paths:
        _fsync(path, os.O_RDONLY)
        directories.add(os.path.dirname(path))
    for directory in directories:
        _fsync(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))


def _fsync(path: str, flags: int) -> None:
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
