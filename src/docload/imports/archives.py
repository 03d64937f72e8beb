"""Content archives (.zip, .tar, .tar.gz, .tgz): their members, read one at a time, safely.

`members()` yields each regular file of an archive under a checked name, its bytes streamed
in chunks, and refuses the whole archive (`ArchiveRefused`) on anything that could escape a
directory, hide a second name for a file, or exhaust the disk: links, devices, `..` or absolute
names, a name given twice, too many members, too many bytes, a compression ratio beyond
`DOCLOAD_ARCHIVE_MAX_RATIO`, or an archive that ends too soon. Callers keep nothing of an
archive that was refused.
"""

from __future__ import annotations

import contextlib
import gzip
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from typing import IO, cast

from django.conf import settings

from docload.documents.storage import CHUNK_SIZE, iter_chunks

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")
MAX_MEMBER_NAME_BYTES = 1024
# What a damaged archive raises while it is read.
_DAMAGED = (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, gzip.BadGzipFile)


class ArchiveRefused(Exception):
    """The archive cannot be unpacked; `code` says why (e.g. `archive-link`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def members(stream: IO[bytes], name: str, size: int) -> Iterator[tuple[str, Iterator[bytes]]]:
    """Each regular file of the archive `name` (`size` bytes, open as `stream`) as its checked
    name and its bytes; read a member's chunks before asking for the next member."""
    guard = _Guard(size)
    with _damage_refused():
        if name.lower().endswith(".zip"):
            yield from _zip_members(stream, guard)
        else:
            yield from _tar_members(stream, name.lower().endswith((".gz", ".tgz")), guard)


@contextlib.contextmanager
def _damage_refused() -> Iterator[None]:
    try:
        yield
    except _DAMAGED as exc:
        raise ArchiveRefused(
            "archive-damaged", f"The archive is truncated or damaged: {exc}."
        ) from exc


class _Guard:
    """The limits every member is held to, counted as the archive is read."""

    def __init__(self, archive_size: int) -> None:
        self.max_bytes = min(
            settings.DOCLOAD_ARCHIVE_MAX_BYTES,
            max(archive_size, 1) * settings.DOCLOAD_ARCHIVE_MAX_RATIO,
        )
        self.names: set[str] = set()
        self.total = 0

    def admit(self, raw_name: str) -> str:
        """The member's name, checked, once it is known to be a regular file."""
        name = _checked_name(raw_name)
        if name in self.names:
            raise ArchiveRefused("archive-duplicate-name", f"{name!r} is in the archive twice.")
        if len(self.names) >= settings.DOCLOAD_ARCHIVE_MAX_MEMBERS:
            raise ArchiveRefused(
                "archive-too-many-members",
                f"The archive has more than {settings.DOCLOAD_ARCHIVE_MAX_MEMBERS} members.",
            )
        self.names.add(name)
        return name

    def count(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The member's chunks, counted against the limits; damage found reading them refused."""
        with _damage_refused():
            yield from self._counted(chunks)

    def _counted(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.total += len(chunk)
            if self.total > self.max_bytes:
                raise ArchiveRefused(
                    "archive-too-large",
                    f"The archive unpacks to more than {self.max_bytes} bytes (at most "
                    f"{settings.DOCLOAD_ARCHIVE_MAX_BYTES} bytes, and at most "
                    f"{settings.DOCLOAD_ARCHIVE_MAX_RATIO} times its own size).",
                )
            yield chunk


def _checked_name(raw: str) -> str:
    """The member's path with `.` segments dropped; refused when it could leave the archive."""
    if raw.startswith("/") or "\\" in raw or any(ord(c) < 32 or ord(c) == 127 for c in raw):
        raise ArchiveRefused(
            "archive-unsafe-name",
            f"{raw!r}: member names must be relative paths with '/' and no control characters.",
        )
    segments = [segment for segment in raw.split("/") if segment not in ("", ".")]
    if ".." in segments or not segments:
        raise ArchiveRefused("archive-unsafe-name", f"{raw!r}: member names may not use '..'.")
    name = "/".join(segments)
    if len(name.encode()) > MAX_MEMBER_NAME_BYTES:
        raise ArchiveRefused(
            "archive-unsafe-name",
            f"{name[:80]!r}…: member names may have at most {MAX_MEMBER_NAME_BYTES} bytes.",
        )
    return name


def _refuse_special(name: str, kind: str) -> ArchiveRefused:
    return ArchiveRefused(
        f"archive-{kind}", f"{name!r} is a {kind}: archives may hold only files and directories."
    )


def _zip_members(stream: IO[bytes], guard: _Guard) -> Iterator[tuple[str, Iterator[bytes]]]:
    with zipfile.ZipFile(stream) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            # The file type, where the archiver recorded one: Unix mode bits, high word.
            kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0
            if kind == stat.S_IFLNK:
                raise _refuse_special(info.filename, "link")
            if kind not in (0, stat.S_IFREG):
                raise _refuse_special(info.filename, "device")
            name = guard.admit(info.filename)
            with archive.open(info) as member:
                yield name, guard.count(iter_chunks(member))


def _tar_members(
    stream: IO[bytes], gzipped: bool, guard: _Guard
) -> Iterator[tuple[str, Iterator[bytes]]]:
    # gzip is read by GzipFile, which checks the end of the stream; tarfile's own reader would
    # take a truncated .tar.gz for a shorter archive.
    source = cast("IO[bytes]", gzip.GzipFile(fileobj=stream)) if gzipped else stream
    with tarfile.open(fileobj=source, mode="r|") as archive:
        for info in archive:
            if info.isdir():
                continue
            if info.issym() or info.islnk():
                raise _refuse_special(info.name, "link")
            if not info.isreg():
                raise _refuse_special(info.name, "device")
            name = guard.admit(info.name)
            member = archive.extractfile(info)
            assert member is not None  # a regular file always has its bytes
            yield name, guard.count(_exactly(iter_chunks(member), info.size, name))
    if gzipped:
        while source.read(CHUNK_SIZE):  # to the end, where GzipFile checks length and CRC
            pass


def _exactly(chunks: Iterable[bytes], size: int, name: str) -> Iterator[bytes]:
    """The member's chunks, refused when they stop before the size its header gives."""
    read = 0
    for chunk in chunks:
        read += len(chunk)
        yield chunk
    if read != size:
        raise ArchiveRefused(
            "archive-damaged", f"The archive is truncated: {name!r} ends after {read} bytes."
        )
