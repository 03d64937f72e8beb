"""Staged files: bytes uploaded over HTTP and kept until an import reads them.

They live in the content storage under `staging/`. A file's bytes arrive under a temporary key
and are moved into place only once all of them arrived, so a key never holds a partial upload.
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

from docload.documents.storage import delete_content, iter_chunks, make_durable, store_content

STAGING_ROOT = "staging"


def staging_key(*parts: str) -> str:
    """The storage key of `parts` (e.g. area, file id, name) under the staging area."""
    return posixpath.join(STAGING_ROOT, *parts)


@dataclass(frozen=True)
class ReceivedFile:
    """A file's bytes, complete, waiting under a temporary key to be placed at `key`."""

    key: str
    temporary_key: str
    size: int
    sha256: str

    def place(self) -> None:
        """Move the bytes to `key`, replacing what was there."""
        storage = storages["default"]
        try:
            source, target = storage.path(self.temporary_key), storage.path(self.key)
        except NotImplementedError:
            # Remote storages have no rename: copy, then drop the temporary object.
            with storage.open(self.temporary_key, "rb") as stream:
                store_content(self.key, iter_chunks(stream))
            storage.delete(self.temporary_key)
            return
        os.replace(source, target)
        make_durable([self.key])  # the bytes and their new name, before the caller commits

    def discard(self) -> None:
        delete_content([self.temporary_key])


def receive_file(key: str, chunks: Iterable[bytes]) -> ReceivedFile:
    """Store `chunks` for `key` under a temporary key beside it, with their size and sha256.

    Streams: one chunk at a time is in memory. When `chunks` raises, the temporary bytes are
    removed and the exception goes on; nothing at `key` changes either way until `place()`.
    """
    temporary_key = posixpath.join(posixpath.dirname(key), f".partial-{uuid.uuid4().hex}")
    try:
        stored = store_content(temporary_key, chunks, ["sha_256"])
    except BaseException:
        delete_content([temporary_key])
        raise
    return ReceivedFile(key, temporary_key, stored.size, stored.digests["sha_256"])


def delete_staged(prefix: str) -> None:
    """Remove every staged file under `prefix` (a key or a directory of keys)."""
    storage = storages["default"]
    try:
        directories, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        delete_content([prefix])
        return
    delete_content(posixpath.join(prefix, name) for name in files)
    for name in directories:
        delete_staged(posixpath.join(prefix, name))
    # A local directory goes once empty (unless a new file appeared in it meanwhile); remote
    # storages have no directories to remove.
    with contextlib.suppress(OSError):
        storage.delete(prefix)


def free_staging_bytes() -> int | None:
    """Free disk space for staged files, or None when the storage is not a local disk."""
    try:
        path = Path(storages["default"].path(STAGING_ROOT))
    except NotImplementedError:
        return None
    while not path.exists():
        path = path.parent
    return shutil.disk_usage(path).free
