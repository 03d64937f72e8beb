"""Document content in Django's storage (local files by default, S3 when configured).

Content is always copied in chunks while being counted and hashed, in one pass. On the local
file system docload writes the files itself (`localfiles`: what FileSystemStorage would do, minus
its per-file locking and name probing), and a file that needs no digest is copied by the kernel.
A stored document never shares its bytes with the source file (no hard links), so changing the
source later cannot change the document.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages

from docload.documents.localfiles import (
    CHUNK_SIZE,
    LocalDestination,
    copy_descriptor,
    created,
    flush,
    new_hashes,
)


def content_storage() -> Storage:
    return storages["default"]


def content_key(document_uuid: uuid.UUID, attempt: str) -> str:
    """Where a document's content written through the API lives: unique per document and per
    writer (`attempt`, a random token), so a write never overwrites bytes another one stored.
    """
    text = str(document_uuid)
    return f"documenten/{text[:2]}/{text}-{attempt}"


def imported_content_key(job: str, row_number: int, document_uuid: uuid.UUID) -> str:
    """Where the content of an imported row lives: unique per document and per job, the same
    for a batch redone after a crash (which overwrites its own earlier bytes, never another
    writer's).

    Beside the content of its neighbouring rows, a thousand rows a directory: a batch's files
    then share one or two directories, so making a batch durable writes a few directory and
    inode blocks instead of one or more for every file (with `content_key`'s spread, 256
    directories all over the disk).
    """
    return f"documenten/import-{job}/{row_number // _ROWS_PER_DIRECTORY:06d}/{document_uuid}"


_ROWS_PER_DIRECTORY = 1000


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

    def __init__(
        self, chunks: Iterable[bytes], name: str, hashes: dict[str, hashlib._Hash]
    ) -> None:
        self._chunks = iter(chunks)
        self._pending = b""
        self.name = name
        self.size = 0
        self.hashes = hashes

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        for digest in self.hashes.values():
            digest.update(data)
        return data

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        for chunk in self._chunks:
            yield self._count(chunk)

    def read(self, size: int | None = -1) -> bytes:
        # Full reads up to `size`: s3transfer takes a short read for the end of the stream.
        whole = size is None or size < 0
        parts, have = [self._pending], len(self._pending)
        while whole or have < size:  # type: ignore[operator]
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            parts.append(chunk)
            have += len(chunk)
        data = b"".join(parts)
        if whole:
            data, self._pending = data, b""
        else:
            data, self._pending = data[:size], data[size:]
        return self._count(data)

    def seekable(self) -> bool:
        return False  # a stream: S3's upload must not rewind it

    closed = False  # what storages' file wrappers ask before reading

    def close(self) -> None:
        self.closed = True


def iter_chunks(stream: IO[bytes], chunk_size: int = CHUNK_SIZE) -> Iterable[bytes]:
    """Yield a binary stream's bytes in chunks."""
    while chunk := stream.read(chunk_size):
        yield chunk


def local_destination() -> LocalDestination | None:
    """The content storage's root when docload may write its files itself (a plain
    FileSystemStorage); None for other storages (S3)."""
    storage = content_storage()
    if type(storage) is not FileSystemStorage:
        return None
    return LocalDestination(
        location=os.fspath(storage.location),
        file_mode=storage.file_permissions_mode,
        directory_mode=storage.directory_permissions_mode,
        group=os.stat(storage.location).st_gid if os.path.isdir(storage.location) else None,
    )


def store_content(
    key: str, chunks: Iterable[bytes], algorithms: Collection[str] = ()
) -> StoredContent:
    """Write `chunks` under `key` (replacing what was there), computing size and digests."""
    storage = content_storage()
    reader = _CountingReader(chunks, key, new_hashes(algorithms))
    local = local_destination()
    if local is not None:
        with (
            created(local, storage.path(key)) as descriptor,
            open(descriptor, "wb", closefd=False) as file,
        ):
            for chunk in reader.chunks():
                file.write(chunk)
    else:
        saved = storage.save(key, reader)  # type: ignore[arg-type]
        if saved != key:  # pragma: no cover - storages are configured to overwrite
            raise RuntimeError(f"storage stored {key!r} as {saved!r}")
    digests = {name: digest.hexdigest() for name, digest in reader.hashes.items()}
    return StoredContent(key=key, size=reader.size, digests=digests)


class ContentWriter:
    """Content written chunk by chunk as it arrives (an upload handler pushes, nothing pulls),
    stored under `key`: straight into the file on the local file system, else spooled to a
    temporary file and saved to the storage on `close`. Never more than a chunk in memory.
    """

    def __init__(self, key: str) -> None:
        self.key = key
        self.size = 0
        self._local = local_destination()
        self._created: created | None = None
        self._file: IO[bytes]
        if self._local is not None:
            self._created = created(self._local, content_storage().path(key))
            self._file = open(self._created.__enter__(), "wb", closefd=False)  # noqa: SIM115
        else:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self.size += len(data)

    def close(self) -> StoredContent:
        """Finish writing; the content is stored under `key`."""
        try:
            if self._created is not None:
                self._file.close()
                done, self._created = self._created, None
                done.__exit__(None, None, None)  # removes the file itself when this fails
            else:
                self._file.seek(0)
                copy_content(self.key, self._file)
                self._file.close()
        except BaseException:
            self.discard()
            raise
        return StoredContent(key=self.key, size=self.size)

    def discard(self) -> None:
        """Stop writing and remove what was written."""
        if not self._file.closed:
            self._file.close()
        if self._created is not None:
            done, self._created = self._created, None
            done.__exit__(RuntimeError, None, None)  # closes and removes the file
        else:
            delete_content([self.key])


def join_content(key: str, keys: Iterable[str]) -> StoredContent:
    """Store the contents under `keys`, one after the other, as one content under `key`.

    Copied in chunks (by the kernel when both ends are local files), never whole in memory.
    """
    local = local_destination()
    storage = content_storage()
    if local is None:

        def chunks() -> Iterator[bytes]:
            for part in keys:
                with open_content(part) as file:
                    yield from iter_chunks(file)

        return store_content(key, chunks())
    size = 0
    with created(local, storage.path(key)) as target:
        for part in keys:
            source = os.open(storage.path(part), os.O_RDONLY | os.O_CLOEXEC)
            try:
                copied, _ = copy_descriptor(source, 0, target)
            finally:
                os.close(source)
            size += copied
    return StoredContent(key=key, size=size)


def copy_content(key: str, stream: IO[bytes], algorithms: Collection[str] = ()) -> StoredContent:
    """Store an open binary stream under `key`, like `store_content(key, iter_chunks(stream))`.

    When both ends are local files, `localfiles.copy_descriptor` copies (by the kernel when no
    digest is asked for).
    """
    local = local_destination()
    source = _descriptor(stream)
    if local is None and source is not None and not algorithms:
        # A local file to a remote storage: S3 uploads it in parts read from the file.
        size = os.fstat(source[0]).st_size - source[1]
        saved = content_storage().save(key, File(stream, name=key))
        if saved != key:  # pragma: no cover - storages are configured to overwrite
            raise RuntimeError(f"storage stored {key!r} as {saved!r}")
        return StoredContent(key=key, size=size)
    if local is None or source is None:
        return store_content(key, iter_chunks(stream), algorithms)
    with created(local, content_storage().path(key)) as target:
        size, digests = copy_descriptor(*source, target, algorithms)
    return StoredContent(key=key, size=size, digests=digests)


def _descriptor(stream: IO[bytes]) -> tuple[int, int] | None:
    """The stream's file descriptor and position, when it is a seekable file."""
    try:
        return stream.fileno(), stream.tell()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return None


def open_content(key: str) -> File:
    return content_storage().open(key, "rb")


def delete_content(keys: Iterable[str]) -> None:
    storage = content_storage()
    for key in keys:
        if key:
            storage.delete(key)


def make_durable(keys: Iterable[str]) -> None:
    """Flush local content files to disk before their rows commit (`localfiles.flush`).

    Remote storages (S3) are durable once `save` returns, so nothing is needed there.
    """
    storage = content_storage()
    try:
        paths = [storage.path(key) for key in keys]
    except NotImplementedError:
        return
    flush(paths)
