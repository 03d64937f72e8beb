"""Document content in Django's storage (local files by default, S3 when configured).

Content is always copied in chunks while being counted and hashed, in one pass. On the local
file system docload writes the files itself (what FileSystemStorage would do, minus its per-file
locking and name probing), and a stream that needs no digest is copied by the kernel
(`copy_file_range`: no bytes pass through Python; a reflink on file systems that share extents).
A stored document never shares its bytes with the source file (no hard links), so changing the
source later cannot change the document.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import os
import stat
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils._os import safe_makedirs

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


def _hashes(algorithms: Collection[str]) -> dict[str, hashlib._Hash]:
    return {name: hashlib.new(DIGESTS[name]) for name in algorithms if name in DIGESTS}


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


def _local(storage: Storage) -> FileSystemStorage | None:
    """The storage when docload may write its files itself (plain FileSystemStorage only)."""
    return storage if type(storage) is FileSystemStorage else None


def store_content(
    key: str, chunks: Iterable[bytes], algorithms: Collection[str] = ()
) -> StoredContent:
    """Write `chunks` under `key` (replacing what was there), computing size and digests."""
    storage = content_storage()
    reader = _CountingReader(chunks, key, _hashes(algorithms))
    local = _local(storage)
    if local is not None:
        with _local_file(local, key) as descriptor, open(descriptor, "wb", closefd=False) as file:
            for chunk in reader.chunks():
                file.write(chunk)
    else:
        saved = storage.save(key, reader)  # type: ignore[arg-type]
        if saved != key:  # pragma: no cover - storages are configured to overwrite
            raise RuntimeError(f"storage stored {key!r} as {saved!r}")
    digests = {name: digest.hexdigest() for name, digest in reader.hashes.items()}
    return StoredContent(key=key, size=reader.size, digests=digests)


def copy_content(key: str, stream: IO[bytes], algorithms: Collection[str] = ()) -> StoredContent:
    """Store an open binary stream under `key`, like `store_content(key, iter_chunks(stream))`.

    When no digest is asked for and both ends are local files, the kernel copies the bytes.
    """
    local = _local(content_storage())
    source = _descriptor(stream)
    if local is None or source is None or _hashes(algorithms) or not _KERNEL_COPY:
        return store_content(key, iter_chunks(stream), algorithms)
    with _local_file(local, key) as target:
        size = _kernel_copy(*source, target)
    return StoredContent(key=key, size=size)


_KERNEL_COPY = hasattr(os, "copy_file_range")  # Linux


def _descriptor(stream: IO[bytes]) -> tuple[int, int] | None:
    """The stream's file descriptor and position, when it is a seekable file."""
    try:
        return stream.fileno(), stream.tell()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return None


def _kernel_copy(source: int, offset: int, target: int) -> int:
    """Copy `source` from `offset` to its end into `target`; return the bytes copied."""
    copied = 0
    try:
        while count := os.copy_file_range(source, target, CHUNK_SIZE, offset + copied):
            copied += count
    except OSError as exc:
        # File systems that cannot: copy through Python from where it stopped.
        if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
            raise
        with open(source, "rb", closefd=False) as reader, open(target, "wb", closefd=False) as file:
            reader.seek(offset + copied)
            for chunk in iter_chunks(reader):
                copied += len(chunk)
                file.write(chunk)
    return copied


@contextlib.contextmanager
def _local_file(storage: FileSystemStorage, key: str) -> Iterator[int]:
    """A descriptor of `key` opened for writing, created or emptied; removed if writing fails.

    Does what FileSystemStorage._save does for an overwriting storage: create the directories,
    apply the configured permissions and the storage root's group.
    """
    path = storage.path(key)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
    try:
        descriptor = os.open(path, flags, 0o666)
    except FileNotFoundError:
        directory = os.path.dirname(path)
        if storage.directory_permissions_mode is None:
            os.makedirs(directory, exist_ok=True)
        else:
            safe_makedirs(directory, storage.directory_permissions_mode, exist_ok=True)
        descriptor = os.open(path, flags, 0o666)
    try:
        yield descriptor
        written = os.fstat(descriptor)
        mode = storage.file_permissions_mode
        if mode is not None and stat.S_IMODE(written.st_mode) != mode:
            os.fchmod(descriptor, mode)
        group = os.stat(storage.location).st_gid
        if written.st_gid != group:
            with contextlib.suppress(PermissionError):
                os.fchown(descriptor, -1, group)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(path)
        raise
    finally:
        os.close(descriptor)


def open_content(key: str) -> File:
    return content_storage().open(key, "rb")


def delete_content(keys: Iterable[str]) -> None:
    storage = content_storage()
    for key in keys:
        if key:
            storage.delete(key)


def make_durable(keys: Iterable[str]) -> None:
    """Flush local content files and their directories to disk before their rows commit.

    Each file and directory is fsynced; for more than a few files (an import batch), Linux's
    `syncfs` flushes the whole file system at once instead: one journal commit, not one per
    file. Remote storages (S3) are durable once `save` returns, so nothing is needed there.
    """
    storage = content_storage()
    try:
        paths = [storage.path(key) for key in keys]
    except NotImplementedError:
        return
    directories = {os.path.dirname(path) for path in paths}
    if _syncfs is not None and len(paths) > _FSYNC_AT_MOST:
        file_systems = {os.stat(directory).st_dev: directory for directory in directories}
        for directory in file_systems.values():
            _flush(directory, _DIRECTORY, _syncfs)
        return
    for path in paths:
        _flush(path, os.O_RDONLY, os.fsync)
    for directory in directories:
        _flush(directory, _DIRECTORY, os.fsync)


_DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
_FSYNC_AT_MOST = 8


def _flush(path: str, flags: int, sync: Callable[[int], None]) -> None:
    descriptor = os.open(path, flags)
    try:
        sync(descriptor)
    finally:
        os.close(descriptor)


def _load_syncfs() -> Callable[[int], None] | None:
    """Linux's syncfs(2), or None where the C library lacks it."""
    try:
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None

    def syncfs(descriptor: int) -> None:
        if function(descriptor) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))

    return syncfs


_syncfs = _load_syncfs()
