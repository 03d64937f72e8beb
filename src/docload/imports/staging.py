"""Staged files: bytes uploaded over HTTP and kept until an import reads them.

Each one is a `StagedFile` row (area, name, key, size, sha256) plus its bytes in the content
storage, under `staging/<area>/`. This module changes rows and bytes together:

- bytes arrive under a temporary key and are placed under a key of their own only once all of
  them arrived, so a key a row names never holds a partial upload;
- placing again replaces the file: the row names the new key, the old bytes go once that commits;
- deleting removes the rows at once and the bytes once the transaction commits.

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

from django.core.files.storage import storages
from django.db import transaction

from docload.documents.storage import copy_content, delete_content, make_durable, store_content
from docload.imports.models import StagedFile

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
    """A file's bytes, complete, waiting under a temporary key to become `name` in `area`."""

    area: uuid.UUID
    name: str
    key: str
    temporary_key: str
    size: int
    sha256: str

    def place(self) -> StagedFile:
        """Record the bytes as the area's file `name`, replacing an earlier one, and move them
        to their key.

        Call it in the transaction that commits the caller's own changes: the replaced bytes are
        removed once it commits, and `discard()` cleans up if it rolls back.
        """
        with transaction.atomic():
            staged, created = StagedFile.objects.select_for_update().get_or_create(
                area=self.area,
                name=self.name,
                defaults={"key": self.key, "size": self.size, "sha256": self.sha256},
            )
            if not created:
                replaced = staged.key
                staged.key, staged.size, staged.sha256 = self.key, self.size, self.sha256
                staged.save()
                transaction.on_commit(lambda: delete_content([replaced]))
            self._move()
        return staged

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


def receive_file(area: uuid.UUID, name: str, chunks: Iterable[bytes]) -> ReceivedFile:
    """Store `chunks` under a temporary key in `area`, with their size and sha256.

    Streams: one chunk at a time is in memory. When `chunks` raises, the temporary bytes are
    removed and the exception goes on. Nothing staged changes until `place()`.
    """
    key = posixpath.join(area_prefix(area), uuid.uuid4().hex)
    temporary_key = key + _PARTIAL
    try:
        stored = store_content(temporary_key, chunks, ["sha_256"])
    except BaseException:
        delete_content([temporary_key])
        raise
    return ReceivedFile(area, name, key, temporary_key, stored.size, stored.digests["sha_256"])


def delete_staged_file(area: uuid.UUID, name: str) -> None:
    """Delete the area's file `name`, if staged; its bytes go once the transaction commits."""
    staged = StagedFile.objects.filter(area=area, name=name).first()
    if staged is None:
        return
    staged.delete()
    transaction.on_commit(lambda: delete_content([staged.key]))


def delete_area(area: uuid.UUID) -> None:
    """Delete every file staged in `area`; the bytes, and any unfinished upload's, go once the
    transaction commits."""
    StagedFile.objects.filter(area=area).delete()  # one DELETE: nothing refers to staged files
    prefix = area_prefix(area)
    transaction.on_commit(lambda: _delete_directory(prefix))


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
