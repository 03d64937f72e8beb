"""Staged files: streamed in, placed whole or not at all, deleted as a tree; and their resolver."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import InMemoryStorage, storages

from docload.documents.storage import store_content
from docload.imports.content import StagedFilesResolver, resolver_for
from docload.imports.errors import ContentError
from docload.imports.staging import (
    delete_staged,
    free_staging_bytes,
    receive_file,
    staging_key,
)


class Broken(Exception):
    pass


class RemoteStorage(InMemoryStorage):
    """Like S3: no local paths."""

    def path(self, name: str) -> str:
        raise NotImplementedError()

    def _relative_path(self, name: str) -> str:
        return os.path.normpath(name or ".")


def chunks_then_fail(*chunks: bytes) -> Iterator[bytes]:
    yield from chunks
    raise Broken()


def stored(key: str) -> bytes:
    with storages["default"].open(key, "rb") as stream:
        return stream.read()


def staged_names(data_dir: Path) -> list[str]:
    root = data_dir / "content" / "staging"
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_staging_key_is_under_the_staging_area() -> None:
    assert staging_key("def", "file", "a.pdf") == "staging/def/file/a.pdf"


def test_received_bytes_wait_beside_the_key_until_placed(data_dir: Path) -> None:
    key = staging_key("d", "f", "a.pdf")
    parts = [os.urandom(1000), os.urandom(5000)]

    received = receive_file(key, iter(parts))

    assert received.size == 6000
    assert received.sha256 == hashlib.sha256(b"".join(parts)).hexdigest()
    assert not storages["default"].exists(key)
    assert staged_names(data_dir) == [f"d/f/{received.temporary_key.rsplit('/', 1)[1]}"]
    received.place()
    assert stored(key) == b"".join(parts)
    assert staged_names(data_dir) == ["d/f/a.pdf"]


def test_placing_again_replaces_and_never_appends() -> None:
    key = staging_key("d", "f", "a.txt")
    receive_file(key, [b"first version, long"]).place()
    receive_file(key, [b"second"]).place()
    assert stored(key) == b"second"


def test_a_failing_stream_leaves_nothing_and_keeps_the_old_bytes(data_dir: Path) -> None:
    key = staging_key("d", "f", "a.txt")
    receive_file(key, [b"complete"]).place()

    with pytest.raises(Broken):
        receive_file(key, chunks_then_fail(b"partial", b"bytes"))

    assert stored(key) == b"complete"
    assert staged_names(data_dir) == ["d/f/a.txt"]


def test_discard_removes_the_temporary_bytes(data_dir: Path) -> None:
    received = receive_file(staging_key("d", "f", "a.txt"), [b"x"])
    received.discard()
    assert staged_names(data_dir) == []


def test_without_a_local_disk_placing_copies(settings: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.RemoteStorage"},
    }
    key = staging_key("d", "f", "a.txt")
    received = receive_file(key, [b"in ", b"memory"])
    received.place()
    assert stored(key) == b"in memory"
    assert not storages["default"].exists(received.temporary_key)
    assert free_staging_bytes() is None


def test_delete_staged_removes_a_whole_tree_or_one_file(data_dir: Path) -> None:
    for key in ("d1/f1/a.txt", "d1/f2/b.txt", "d1/f2/.partial-x", "d2/f3/c.txt"):
        store_content(staging_key(key), [b"x"])

    delete_staged(staging_key("d1", "f2"))
    assert staged_names(data_dir) == ["d1/f1/a.txt", "d2/f3/c.txt"]
    delete_staged(staging_key("d2", "f3", "c.txt"))
    delete_staged(staging_key("d1"))
    delete_staged(staging_key("never-there"))

    assert staged_names(data_dir) == []
    # A tree goes with its directories; deleting one file leaves its directory.
    assert os.listdir(data_dir / "content" / "staging") == ["d2"]


def test_free_staging_bytes_reports_the_disk(data_dir: Path) -> None:
    free = free_staging_bytes()
    assert free is not None and 0 < free <= shutil.disk_usage(data_dir).total


def test_the_staged_resolver_opens_staged_files_by_name() -> None:
    key = staging_key("d", "f", "a.pdf")
    receive_file(key, [b"%PDF-1.7 content"]).place()
    resolver = resolver_for({"kind": "staged", "files": {"a.pdf": key}})

    opened = resolver.open("a.pdf")
    with opened.stream:
        assert (opened.stream.read(), opened.size) == (b"%PDF-1.7 content", 16)


@pytest.mark.parametrize(
    "reference", ["b.pdf", "A.PDF", "d/f/a.pdf", "staging/d/f/a.pdf", "../a.pdf", "/etc/passwd", ""]
)
def test_the_staged_resolver_refuses_names_that_are_not_staged_files(reference: str) -> None:
    key = staging_key("d", "f", "a.pdf")
    receive_file(key, [b"x"]).place()
    with pytest.raises(ContentError, match="not the name of an uploaded file"):
        StagedFilesResolver({"a.pdf": key}).open(reference)


def test_the_staged_resolver_reports_a_file_that_is_gone() -> None:
    with pytest.raises(ContentError, match="no longer stored"):
        StagedFilesResolver({"a.pdf": staging_key("d", "f", "a.pdf")}).open("a.pdf")
