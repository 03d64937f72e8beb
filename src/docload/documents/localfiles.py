"""Content files on the local file system, needing no Django settings or apps.

`storage.py` writes local content through these functions, and import copy processes call them
without setting Django up (see `docload.imports.copying`); so they take plain values: paths,
file descriptors and a `LocalDestination`.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import os
import stat
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.utils._os import safe_makedirs

CHUNK_SIZE = 1024 * 1024
# integriteit.algoritme values whose digest docload can compute while copying.
DIGESTS = {"md5": "md5", "sha_1": "sha1", "sha_256": "sha256", "sha_512": "sha512"}


def new_hashes(algorithms: Collection[str]) -> dict[str, hashlib._Hash]:
    return {name: hashlib.new(DIGESTS[name]) for name in algorithms if name in DIGESTS}


@dataclass(frozen=True)
class LocalDestination:
    """A local storage's root and how it makes files (FileSystemStorage's settings)."""

    location: str
    file_mode: int | None
    directory_mode: int | None
    group: int | None  # the root's group, which new files get (None: the root is not made yet)

    def path(self, key: str) -> str:
        """The path of a key docload made (never a client's name)."""
        return os.path.join(self.location, key)


class created:
    """A descriptor of `path` opened for writing, created or emptied; removed if writing fails.

    Does what FileSystemStorage._save does for an overwriting storage: create the directories,
    apply the configured permissions and the storage root's group. A class, not a generator:
    import copy processes enter one for every file.
    """

    def __init__(self, destination: LocalDestination, path: str) -> None:
        self.destination = destination
        self.path = path
        self.descriptor = -1

    def __enter__(self) -> int:
        self.descriptor = _create(self.destination, self.path)
        return self.descriptor

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        failed = exc_type is not None
        try:
            if not failed:
                _settle_ownership(self.destination, self.descriptor)
        except BaseException:
            failed = True
            raise
        finally:
            os.close(self.descriptor)
            if failed:
                with contextlib.suppress(OSError):
                    os.remove(self.path)


_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC


def _create(destination: LocalDestination, path: str) -> int:
    try:
        return os.open(path, _CREATE_FLAGS, 0o666)
    except FileNotFoundError:
        directory = os.path.dirname(path)
        if destination.directory_mode is None:
            os.makedirs(directory, exist_ok=True)
        else:
            safe_makedirs(directory, destination.directory_mode, exist_ok=True)
        return os.open(path, _CREATE_FLAGS, 0o666)


def _settle_ownership(destination: LocalDestination, descriptor: int) -> None:
    """The configured permissions and the storage root's group, where the new file lacks them."""
    mode, group = destination.file_mode, destination.group
    if mode is None and group is None:
        return
    written = os.fstat(descriptor)
    if mode is not None and stat.S_IMODE(written.st_mode) != mode:
        os.fchmod(descriptor, mode)
    if group is not None and written.st_gid != group:
        with contextlib.suppress(PermissionError):
            os.fchown(descriptor, -1, group)


def copy_descriptor(
    source: int,
    offset: int,
    target: int,
    algorithms: Collection[str] = (),
    size: int | None = None,
) -> tuple[int, dict[str, str]]:
    """Copy `source` from `offset` into `target`: (bytes copied, digests).

    Copies to the end of `source`, or at most `size` bytes when given (a file that grows while
    it is copied is stored as it was when its size was checked). Without digests the kernel
    copies (`copy_file_range`: no bytes pass through Python; a reflink on file systems that
    share extents); with digests, chunks pass through Python once.
    """
    hashes = new_hashes(algorithms)
    left = -1 if size is None else size  # -1: until the end
    copied = 0
    if not hashes and _KERNEL_COPY:
        try:
            while left and (count := os.copy_file_range(source, target, _chunk(left), offset)):
                copied += count
                offset += count
                left -= count
            return copied, {}
        except OSError as exc:
            # File systems that cannot: copy through Python from where it stopped.
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                raise
    with open(target, "wb", closefd=False) as file:
        while left and (chunk := os.pread(source, _chunk(left), offset)):
            copied += len(chunk)
            offset += len(chunk)
            left -= len(chunk)
            for digest in hashes.values():
                digest.update(chunk)
            file.write(chunk)
    return copied, {name: digest.hexdigest() for name, digest in hashes.items()}


def _chunk(left: int) -> int:
    return CHUNK_SIZE if left < 0 else min(left, CHUNK_SIZE)


_KERNEL_COPY = hasattr(os, "copy_file_range")  # Linux


def flush(paths: Collection[str]) -> None:
    """Flush files and their directories to disk.

    Each file and directory is fsynced; for more than a few files (an import batch), Linux's
    `syncfs` flushes the whole file system at once instead: one journal commit, not one per file.
    """
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
