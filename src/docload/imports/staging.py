"""Staged files: bytes uploaded over HTTP and kept until an import reads them.

A staged file's row (`StagedFile`) names its bytes in the content storage, under
`staging/<area>/`. This module changes rows and bytes together:

- bytes arrive under a temporary key and are placed under a key of their own only once all of
  them arrived, so a key a row names never holds a partial upload;
- placing again replaces the file: the row names the new key, the old bytes go once that commits;
- deleting removes the rows at once and the bytes once the transaction commits;
- an archive's members are stored one by one and recorded together, or not at all.

A name is never part of a key, so any name is safe to stage.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from django.core.files.storage import storages
from django.db import transaction
from django.utils.timezone import now

from docload.documents.storage import copy_content, delete_content, make_durable, store_content
from docload.imports.archives import members
from docload.imports.models import FileStatus, StagedFile

STAGING_ROOT = "staging"
_PARTIAL = ".partial"


def area_prefix(area: uuid.UUID) -> str:
    """The storage directory holding an area's bytes."""
    return posixpath.join(STAGING_ROOT, str(area))


def staging_path(key: str) -> str:
    """A staged key relative to the staging area, as dialects show it."""
    return posixpath.relpath(key, STAGING_ROOT)


@dataclass(frozen=True)
class ReceivedFile:
    """A file's bytes, complete, waiting under a temporary key to become a staged file's."""

    key: str
    temporary_key: str
    size: int
    sha256: str

    def place(self, file: StagedFile, keep_bytes: bool = True) -> None:
        """Make the bytes `file`'s, replacing earlier ones, and move them to their key.

        Call it in the transaction that commits the caller's own changes: the replaced bytes are
        removed once it commits, and `discard()` cleans up if it rolls back. Without
        `keep_bytes` (an unpacked archive) the file records their size and digest only.
        """
        replaced = file.key
        file.key = self.key if keep_bytes else ""
        file.size, file.sha256 = self.size, self.sha256
        file.status, file.upload_token, file.uploaded_on = FileStatus.UPLOADED, None, now()
        file.save(update_fields=["key", "size", "sha256", "status", "upload_token", "uploaded_on"])
        delete_on_commit([replaced])
        if keep_bytes:
            self._move()
        else:
            delete_on_commit([self.temporary_key])

    def open(self) -> IO[bytes]:
        return cast("IO[bytes]", storages["default"].open(self.temporary_key, "rb"))

    def _move(self) -> None:
        storage = storages["default"]
        try:
            source, target = storage.path(self.temporary_key), storage.path(self.key)
        except NotImplementedError:
            # Remote storages have no rename: copy, then drop the temporary object.
            with storage.open(self.temporary_key, "rb") as stream:
                copy_content(self.key, stream)
            storage.delete(self.temporary_key)
            return
        os.replace(source, target)
        make_durable([self.key])  # the bytes and their new name, before the caller commits

    def discard(self) -> None:
        """Remove the bytes, for when they were not placed or their transaction rolled back."""
        delete_content([self.temporary_key, self.key])


def receive_file(area: uuid.UUID, chunks: Iterable[bytes]) -> ReceivedFile:
    """Store `chunks` under a temporary key in `area`, with their size and sha256.

    Streams: one chunk at a time is in memory. When `chunks` raises, the temporary bytes are
    removed and the exception goes on. Nothing staged changes until `place()`.
    """
    key = _new_key(area)
    temporary_key = key + _PARTIAL
    try:
        stored = store_content(temporary_key, chunks, ["sha_256"])
    except BaseException:
        delete_content([temporary_key])
        raise
    return ReceivedFile(key, temporary_key, stored.size, stored.digests["sha_256"])


@dataclass(frozen=True)
class UnpackedMember:
    name: str
    key: str
    size: int
    sha256: str


def unpack_archive(area: uuid.UUID, archive: ReceivedFile, name: str) -> list[UnpackedMember]:
    """Store every member of the received archive `name` under a key of its own in `area`.

    Nothing of a refused or failed archive stays: the members stored so far are removed and the
    exception (`ArchiveRefused` for a bad archive) goes on. The members' rows are the caller's:
    `place_members()`.
    """
    unpacked: list[UnpackedMember] = []
    try:
        with archive.open() as stream:
            for member_name, chunks in members(stream, name, archive.size):
                key = _new_key(area)
                unpacked.append(UnpackedMember(member_name, key, 0, ""))  # removed if it fails
                stored = store_content(key, chunks, ["sha_256"])
                sha256 = stored.digests["sha_256"]
                unpacked[-1] = UnpackedMember(member_name, key, stored.size, sha256)
        make_durable(member.key for member in unpacked)
    except BaseException:
        discard_members(unpacked)
        raise
    return unpacked


def place_members(archive: StagedFile, unpacked: list[UnpackedMember]) -> None:
    """Record `unpacked` as the staged files of `archive`, replacing its earlier members.

    In the caller's transaction; a member named like another file of the area raises
    IntegrityError.
    """
    delete_members(archive)
    now_ = now()
    for start in range(0, len(unpacked), 1000):
        StagedFile.objects.bulk_create(
            StagedFile(
                area_id=archive.area_id,
                archive=archive,
                name=member.name,
                status=FileStatus.UPLOADED,
                key=member.key,
                size=member.size,
                sha256=member.sha256,
                created_on=now_,
                uploaded_on=now_,
            )
            for member in unpacked[start : start + 1000]
        )


def discard_members(unpacked: list[UnpackedMember]) -> None:
    delete_content(member.key for member in unpacked)


def delete_members(archive: StagedFile) -> None:
    """Delete the archive's members now, their bytes once the transaction commits."""
    members_ = archive.members.all()
    delete_on_commit(list(members_.values_list("key", flat=True)))
    members_.delete()


def delete_on_commit(keys: list[str]) -> None:
    """Remove these bytes once the transaction commits, when their rows are surely gone."""
    if any(keys):
        transaction.on_commit(lambda: delete_content(keys))


def delete_area_bytes(area: uuid.UUID) -> None:
    """Remove every byte staged in `area`, and any unfinished upload's, once the transaction
    that deletes its rows commits."""
    prefix = area_prefix(area)
    transaction.on_commit(lambda: _delete_directory(prefix))


def _new_key(area: uuid.UUID) -> str:
    return posixpath.join(area_prefix(area), uuid.uuid4().hex)


def _delete_directory(prefix: str) -> None:
    """Remove the files directly under `prefix`, then the directory itself where there is one."""
    storage = storages["default"]
    try:
        root = storage.path(prefix)
    except NotImplementedError:
        _, names = storage.listdir(prefix)
        delete_content(posixpath.join(prefix, name) for name in names)
        return
    # Streamed entry by entry: an area may hold a million files.
    with contextlib.suppress(FileNotFoundError), os.scandir(root) as entries:
        for entry in entries:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
    with contextlib.suppress(OSError):
        os.rmdir(root)  # not empty if an upload wrote here meanwhile: refused, it removes its bytes


def free_staging_bytes() -> int | None:
    """Free disk space for staged files, or None when the storage is not a local disk."""
    try:
        path = Path(storages["default"].path(STAGING_ROOT))
    except NotImplementedError:
        return None
    while not path.exists():
        path = path.parent
    return shutil.disk_usage(path).free
