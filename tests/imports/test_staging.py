"""Staged files: streamed in, placed whole or not at all, rows and bytes deleted together; and
their resolver, which looks each name up when it is opened."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import InMemoryStorage, storages
from django.db import transaction

from docload.documents.storage import store_content
from docload.imports.areas import (
    NewFile,
    StagingRefused,
    add_files,
    create_area,
    delete_area,
    delete_file,
)
from docload.imports.content import StagedFilesResolver, resolver_for
from docload.imports.errors import ContentError
from docload.imports.models import FileStatus, StagedFile, StagingArea
from docload.imports.receiving import upload_file
from docload.imports.staging import area_prefix, free_staging_bytes, receive_file, staging_path
from tests.storage import stored_keys

pytestmark = pytest.mark.django_db
AREA = uuid.UUID("0f4a8b6e-2d3c-4e5f-8a9b-1c2d3e4f5a6b")
OTHER_AREA = uuid.UUID("9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b")


class Broken(Exception):
    pass


class RemoteStorage(InMemoryStorage):
    """Like S3: no local paths."""

    def path(self, name: str) -> str:
        raise NotImplementedError()

    def _relative_path(self, name: str) -> str:
        return os.path.normpath(name or ".")


@pytest.fixture
def remote_storage(settings: Any) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.RemoteStorage"}}


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """Run the callbacks registered meanwhile as if the test's transaction committed."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def chunks_then_fail(*chunks: bytes) -> Iterator[bytes]:
    yield from chunks
    raise Broken()


def stored(key: str) -> bytes:
    with storages["default"].open(key, "rb") as stream:
        return stream.read()


def staged_names(data_dir: Path) -> list[str]:
    return [key.removeprefix("staging/") for key in stored_keys("staging")]


def announce(name: str, area: uuid.UUID = AREA) -> StagedFile:
    if not StagingArea.objects.filter(uuid=area).exists():
        created = create_area("test", "someone", [])
        StagingArea.objects.filter(pk=created.pk).update(uuid=area)
    if not StagedFile.objects.filter(area=area, name=name).exists():
        add_files("test", area, "someone", [NewFile(name)])
    return StagedFile.objects.get(area=area, name=name)


def stage(name: str, content: bytes, area: uuid.UUID = AREA) -> StagedFile:
    file = announce(name, area)
    upload_file("test", area, file.uuid, [content], "someone")
    file.refresh_from_db()
    return file


def test_keys_are_under_the_area_and_never_contain_the_name() -> None:
    staged = stage("../../etc/passwd", b"x")
    assert staged.key.startswith(f"staging/{AREA}/") and "passwd" not in staged.key
    assert staging_path(staged.key) == staged.key.removeprefix("staging/")
    assert area_prefix(AREA) == f"staging/{AREA}"


def test_received_bytes_wait_under_a_temporary_key_until_placed(data_dir: Path) -> None:
    parts = [os.urandom(1000), os.urandom(5000)]

    file = announce("a.pdf")
    received = receive_file(AREA, iter(parts))

    assert (received.size, received.sha256) == (6000, hashlib.sha256(b"".join(parts)).hexdigest())
    assert not StagedFile.objects.exclude(key="").exists()
    assert not storages["default"].exists(received.key)
    assert staged_names(data_dir) == [staging_path(received.temporary_key)]
    received.place(file)
    staged = StagedFile.objects.get()
    assert (staged.area_id, staged.name, staged.key) == (AREA, "a.pdf", received.key)
    assert (staged.size, staged.sha256) == (received.size, received.sha256)
    assert (staged.status, staged.uploaded_on is not None) == (FileStatus.UPLOADED, True)
    assert stored(staged.key) == b"".join(parts)
    assert staged_names(data_dir) == [staging_path(staged.key)]


def test_placing_again_replaces_the_row_and_its_bytes(
    data_dir: Path, on_commit: Callable[[], Any]
) -> None:
    first = stage("a.txt", b"first version, long")
    with on_commit():
        second = stage("a.txt", b"second")

    assert (second.pk, second.size) == (first.pk, 6)
    assert StagedFile.objects.get().key == second.key != first.key
    assert stored(second.key) == b"second"
    assert staged_names(data_dir) == [staging_path(second.key)]


def test_a_failing_stream_leaves_nothing_and_keeps_the_staged_file(data_dir: Path) -> None:
    staged = stage("a.txt", b"complete")

    with pytest.raises(Broken):
        receive_file(AREA, chunks_then_fail(b"partial", b"bytes"))

    assert StagedFile.objects.get().sha256 == staged.sha256
    assert stored(staged.key) == b"complete"
    assert staged_names(data_dir) == [staging_path(staged.key)]


def test_discard_leaves_nothing_even_after_a_placement_that_rolled_back(data_dir: Path) -> None:
    file = announce("a.txt")
    received = receive_file(AREA, [b"x"])
    with pytest.raises(Broken), transaction.atomic():
        received.place(file)
        raise Broken()
    received.discard()
    assert StagedFile.objects.get().key == ""
    assert staged_names(data_dir) == []


@pytest.mark.usefixtures("remote_storage")
def test_without_a_local_disk_placing_copies() -> None:
    staged = announce("a.txt")
    received = receive_file(AREA, [b"in ", b"memory"])
    received.place(staged)
    assert stored(staged.key) == b"in memory"
    assert not storages["default"].exists(received.temporary_key)
    assert free_staging_bytes() is None


def test_deleting_a_staged_file_removes_its_row_then_its_bytes(
    data_dir: Path, on_commit: Callable[[], Any]
) -> None:
    kept = stage("b.txt", b"b")
    gone = stage("a.txt", b"a")

    with on_commit():
        delete_file("test", AREA, gone.uuid, "someone")
        assert storages["default"].exists(gone.key)  # until the transaction commits
    with pytest.raises(StagingRefused, match="no file"):
        delete_file("test", AREA, gone.uuid, "someone")

    assert list(StagedFile.objects.values_list("name", flat=True)) == ["b.txt"]
    assert staged_names(data_dir) == [staging_path(kept.key)]


def test_deleting_an_area_removes_its_rows_bytes_and_unfinished_uploads(
    data_dir: Path, on_commit: Callable[[], Any]
) -> None:
    for name in ("a.txt", "b.txt"):
        stage(name, b"x")
    store_content(f"{area_prefix(AREA)}/crashed.partial", [b"half"])
    other = stage("a.txt", b"other area", area=OTHER_AREA)

    with on_commit():
        delete_area("test", AREA)
        assert len(staged_names(data_dir)) == 4  # until the transaction commits
    with pytest.raises(StagingRefused, match="No staging area"):
        delete_area("test", AREA)

    assert list(StagedFile.objects.values_list("area", flat=True)) == [OTHER_AREA]
    assert staged_names(data_dir) == [staging_path(other.key)]
    assert storages["default"].listdir("staging")[0] == [str(OTHER_AREA)]


@pytest.mark.usefixtures("remote_storage")
def test_deleting_an_area_without_a_local_disk(on_commit: Callable[[], Any]) -> None:
    gone = stage("a.txt", b"a")
    other = stage("a.txt", b"b", area=OTHER_AREA)
    with on_commit():
        delete_area("test", AREA)
    storage = storages["default"]
    assert (storage.exists(gone.key), storage.exists(other.key)) == (False, True)


@pytest.mark.usefixtures("local_content")  # a remote storage has no disk to report
def test_free_staging_bytes_reports_the_disk(data_dir: Path) -> None:
    free = free_staging_bytes()
    assert free is not None and 0 < free <= shutil.disk_usage(data_dir).total


def test_the_staged_resolver_opens_files_of_its_area_by_name() -> None:
    stage("a.pdf", b"%PDF-1.7 content")
    resolver = resolver_for({"kind": "staged", "area": str(AREA)})

    opened = resolver.open("a.pdf")
    with opened.stream:
        assert (opened.stream.read(), opened.size) == (b"%PDF-1.7 content", 16)


def test_the_staged_resolver_looks_each_name_up_when_opened(
    django_assert_num_queries: Any,
) -> None:
    resolver = StagedFilesResolver(AREA)
    stage("staged-later.pdf", b"late")  # after the resolver was made: it holds no list
    with django_assert_num_queries(1):
        resolver.open("staged-later.pdf").stream.close()
    with django_assert_num_queries(1), pytest.raises(ContentError):
        resolver.open("missing.pdf")


@pytest.mark.parametrize(
    "reference", ["b.pdf", "A.PDF", "other-area.pdf", "../a.pdf", "/etc/passwd", ""]
)
def test_the_staged_resolver_refuses_names_not_staged_in_its_area(reference: str) -> None:
    stage("a.pdf", b"x")
    announce("b.pdf")  # announced, never uploaded
    stage("other-area.pdf", b"y", area=OTHER_AREA)
    with pytest.raises(ContentError, match="not the name of an uploaded file"):
        StagedFilesResolver(AREA).open(reference)


def test_the_staged_resolver_never_opens_by_storage_key() -> None:
    staged = stage("a.pdf", b"x")
    for reference in (staged.key, staging_path(staged.key)):
        with pytest.raises(ContentError, match="not the name of an uploaded file"):
            StagedFilesResolver(AREA).open(reference)


def test_the_staged_resolver_reports_a_file_that_is_gone() -> None:
    staged = stage("a.pdf", b"x")
    storages["default"].delete(staged.key)
    with pytest.raises(ContentError, match="no longer stored"):
        StagedFilesResolver(AREA).open("a.pdf")
