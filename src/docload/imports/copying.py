"""Copying rows' content files on the local file system, in processes of their own.

Copying is mostly system calls, but each call needs the GIL again when it returns; in the
worker's process the copies would keep waiting on the thread that parses, validates and writes
rows. In copy processes they have a core of their own. Nothing here needs Django set up: the
functions take plain, picklable values, and a fresh interpreter loads this module quickly.
"""

from __future__ import annotations

import ctypes
import errno
import multiprocessing
import multiprocessing.connection
import os
import stat
import struct
import sys
import threading
from collections.abc import Callable
from typing import NamedTuple

from docload.documents.localfiles import LocalDestination, copy_descriptor, created, flush
from docload.imports.errors import ContentError

# Where a reference is on the local file system: (directory, path beneath that directory); or,
# as a str, why the reference cannot be used.
LocalSource = tuple[str, str]


class CopyOrder(NamedTuple):
    """One row's content to copy, and what the row says it is.

    Tuples: thousands per second cross to the copy processes, and tuples are the cheapest to
    make and to pickle.
    """

    reference: str  # the row's bestandspad, for messages
    key: str  # where the content goes
    expected_size: int | None = None
    algorithm: str = ""  # integriteit.algoritme; "" when the row gives none
    expected_digest: str = ""

    @property
    def algorithms(self) -> tuple[str, ...]:
        return (self.algorithm,) if self.algorithm else ()


class CopyOutcome(NamedTuple):
    size: int = 0
    problem: str = ""  # why the content cannot be used: the row's comment


def unusable(error: ContentError) -> CopyOutcome:
    """The outcome of a row whose content cannot be opened."""
    return CopyOutcome(problem=f"bestandspad: {error}")


def copy_one(
    order: CopyOrder, size: int, store: Callable[[], tuple[int, dict[str, str]]]
) -> CopyOutcome:
    """Copy one row's opened content of `size` bytes, checking its size before and its digest
    after copying.

    `store()` copies it to `order.key` and returns the size and digests; its errors are faults
    and propagate.
    """
    if order.expected_size is not None and order.expected_size != size:
        return CopyOutcome(
            problem=f"bestandsomvang: {order.expected_size} differs from the file's size {size}."
        )
    size, digests = store()
    actual = digests.get(order.algorithm)
    expected = order.expected_digest
    if actual is not None and expected and actual.lower() != expected.lower():
        return CopyOutcome(
            size,
            f"integriteit.waarde: the file's {order.algorithm} digest is {actual}, "
            f"the row says {expected}.",
        )
    return CopyOutcome(size)


def open_beneath(directory: str, relative: str, reference: str) -> tuple[int, int]:
    """Open a regular file beneath `directory` for reading: (descriptor, size).

    Nothing outside `directory` is ever opened, also not through a symlink: on Linux the kernel
    resolves the path within it (openat2 with RESOLVE_BENEATH); elsewhere, and for absolute
    symlinks, symlinks are resolved first and the resolved path is checked and opened without
    following a link. Raises ContentError naming `reference`.
    """
    with SourceDirectories() as directories:
        return directories.open((directory, relative), reference)


class SourceDirectories:
    """Opens files beneath source directories (`open_beneath`), each directory opened once
    for all the files of a copy task; closes them on exit."""

    def __init__(self) -> None:
        self._opened: dict[str, int] = {}

    def __enter__(self) -> SourceDirectories:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for descriptor in self._opened.values():
            os.close(descriptor)
        self._opened.clear()

    def open(self, source: LocalSource, reference: str) -> tuple[int, int]:
        """Open `source`'s regular file for reading: (descriptor, size); or ContentError."""
        directory, relative = source
        if "\x00" in relative:
            # The C calls below would end the path at the NUL, or Python raise ValueError.
            raise ContentError(f"{reference!r} contains a NUL character; a path may not.")
        if os.path.isabs(relative) or relative.startswith("~"):
            raise ContentError(_outside(reference))
        try:
            descriptor = _open_beneath(self._directory(directory), directory, relative)
        except FileNotFoundError:
            raise ContentError(f"File {reference!r} does not exist.") from None
        except OSError as exc:
            if exc.errno == errno.EXDEV:
                raise ContentError(_outside(reference)) from None
            raise ContentError(f"File {reference!r} cannot be read: {exc.strerror}.") from None
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            os.close(descriptor)
            if stat.S_ISDIR(info.st_mode):
                raise ContentError(f"{reference!r} is a directory, not a file.")
            raise ContentError(f"{reference!r} is not a regular file.")
        if info.st_nlink > 1:
            # A hard link is the same file as one elsewhere, maybe outside the directory: a
            # path check cannot tell, so none is read.
            os.close(descriptor)
            raise ContentError(
                f"{reference!r} has other hard links (it may be a file from outside the import "
                "directory); copy it in instead."
            )
        return descriptor, info.st_size

    def _directory(self, directory: str) -> int:
        descriptor = self._opened.get(directory)
        if descriptor is None:
            descriptor = self._opened[directory] = os.open(directory, _DIRECTORY_FLAGS)
        return descriptor


def _outside(reference: str) -> str:
    return f"{reference!r} is not relative to the import base directory."


# O_NONBLOCK: a FIFO must not hang the import; regular files ignore it.
_READ_FLAGS = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK
# A directory as a place to open files beneath (Linux: O_PATH, no read permission needed).
_DIRECTORY_FLAGS = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_CLOEXEC


def _open_resolved(base: int, directory: str, relative: str) -> int:
    """The portable way: resolve symlinks, check, open the result without following a link."""
    path = os.path.realpath(os.path.join(directory, relative))
    if os.path.commonpath([directory, path]) != directory:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))
    return os.open(path, _READ_FLAGS | os.O_NOFOLLOW)


def _load_openat2() -> Callable[[int, str, str], int] | None:
    """Linux's openat2(2) resolving beneath a directory's descriptor (one system call, no race
    between checking and opening), or None where the kernel or C library lacks it."""
    try:
        syscall = ctypes.CDLL(None, use_errno=True).syscall
    except (OSError, AttributeError):
        return None
    syscall.restype = ctypes.c_long
    syscall.argtypes = [
        ctypes.c_long,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_void_p,
        ctypes.c_size_t,
    ]
    # struct open_how {u64 flags; u64 mode; u64 resolve}: RESOLVE_BENEATH | NO_MAGICLINKS.
    how = ctypes.create_string_buffer(struct.pack("QQQ", _READ_FLAGS, 0, 0x08 | 0x02), 24)

    def openat2(base: int, directory: str, relative: str) -> int:
        descriptor = syscall(_SYS_OPENAT2, base, os.fsencode(relative), how, 24)
        if descriptor >= 0:
            return int(descriptor)
        code = ctypes.get_errno()
        if code == errno.EXDEV:
            # openat2 refuses every absolute symlink; one may still point inside.
            return _open_resolved(base, directory, relative)
        raise OSError(code, os.strerror(code), relative)

    root = os.open(os.sep, _DIRECTORY_FLAGS)
    try:
        os.close(openat2(root, os.sep, "."))
    except OSError:
        return None  # ENOSYS on old kernels, EPERM under some sandboxes
    finally:
        os.close(root)
    return openat2


_SYS_OPENAT2 = 437  # the same number on every Linux architecture
_open_beneath: Callable[[int, str, str], int] = (
    _load_openat2() if sys.platform == "linux" else None
) or _open_resolved


def exit_with_parent() -> None:
    """Initializer of a copy process: exit as soon as the worker that started it dies.

    Otherwise a killed worker would leave its copy processes waiting forever on a queue nobody
    writes to any more. A copy cut short leaves a file under a key no committed row names; the
    worker that takes the job over rewrites it.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def copy_files(
    destination: LocalDestination, orders: list[tuple[CopyOrder, LocalSource | str]]
) -> list[CopyOutcome]:
    """Copy each order's source (or report why it has none) into local storage.

    A plain loop over plain values: a copy process runs it for every file of an import, and
    at tens of thousands of files per second its own Python is a good part of the cost.
    """
    outcomes = []
    with SourceDirectories() as directories:
        for order, source in orders:
            if isinstance(source, str):
                outcomes.append(CopyOutcome(problem=f"bestandspad: {source}"))
                continue
            try:
                descriptor, size = directories.open(source, order.reference)
            except ContentError as exc:
                outcomes.append(unusable(exc))
                continue
            try:
                outcomes.append(copy_one(order, size, _store(destination, order, descriptor, size)))
            finally:
                os.close(descriptor)
    return outcomes


def _store(
    destination: LocalDestination, order: CopyOrder, descriptor: int, size: int
) -> Callable[[], tuple[int, dict[str, str]]]:
    def store() -> tuple[int, dict[str, str]]:
        with created(destination, destination.path(order.key)) as target:
            return copy_descriptor(descriptor, 0, target, order.algorithms, size)

    return store


def flush_keys(destination: LocalDestination, keys: list[str]) -> None:
    flush([destination.path(key) for key in keys])
