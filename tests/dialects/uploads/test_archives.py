"""Content archives in an upload definition: unpacked at upload, imported by member path."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from docload.documents.models import EnkelvoudigInformatieObject
from docload.imports.models import StagedFile
from tests.conftest import run_worker
from tests.dialects.uploads.test_views import BASE, codes, create, file_of, process, upload
from tests.factories import csv_text, metadata_row
from tests.storage import stored_keys

pytestmark = pytest.mark.django_db(transaction=True)


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def tar_of(members: dict[str, bytes], mode: str = "w:gz") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:  # type: ignore[call-overload]
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def staged_members() -> dict[str, str]:
    """Name → sha256 of every staged archive member."""
    return dict(StagedFile.objects.exclude(archive=None).values_list("name", "sha256"))


def staged_bytes(data_dir: Path) -> list[str]:
    return stored_keys("staging")


@pytest.mark.parametrize(
    ("archive_name", "pack"),
    [("docs.zip", zip_of), ("docs.tar.gz", tar_of), ("docs.tgz", tar_of)],
)
def test_an_archive_is_imported_by_member_path(
    api: APIClient, document_type_url: str, data_dir: Path, archive_name: str, pack: Any
) -> None:
    contents = {f"docs/2024/{n}.pdf": os.urandom(3000 + n) for n in range(3)}
    contents["loose.pdf"] = b"uploaded on its own"
    rows = [metadata_row(document_type_url, titel=name, bestandspad=name) for name in contents]
    definition = create(api, "metadata.csv", archive_name, "loose.pdf")
    upload(api, definition, "loose.pdf", contents["loose.pdf"])
    archive = pack({name: data for name, data in contents.items() if name != "loose.pdf"})
    uploaded = upload(api, definition, archive_name, archive)
    assert uploaded.status_code == 200, uploaded.content

    shown = file_of(uploaded.json(), archive_name)
    assert shown["status"] == "UPLOADED" and shown["sourcePath"] is None  # unpacked, not kept
    assert shown["sha256"] == hashlib.sha256(archive).hexdigest()
    # Members are staged content, not file definitions of their own.
    assert [f["name"] for f in uploaded.json()["fileDefinitions"]] == [
        "metadata.csv",
        archive_name,
        "loose.pdf",
    ]
    assert uploaded.json()["totalFiles"] == 3
    assert staged_members() == {
        name: hashlib.sha256(data).hexdigest()
        for name, data in contents.items()
        if name != "loose.pdf"
    }
    assert len(staged_bytes(data_dir)) == 4  # three members and the loose file

    upload(api, definition, "metadata.csv", csv_text(rows).encode())
    assert process(api, definition["id"]).status_code == 204
    run_worker()
    assert EnkelvoudigInformatieObject.objects.count() == 4
    for document in EnkelvoudigInformatieObject.objects.all():
        download = api.get(
            f"/documenten/api/v1/enkelvoudiginformatieobjecten/{document.uuid}/download"
        )
        assert b"".join(download.streaming_content) == contents[document.titel]


def test_uploading_an_archive_again_replaces_its_members(api: APIClient, data_dir: Path) -> None:
    definition = create(api, "docs.zip")
    upload(api, definition, "docs.zip", zip_of({"a.pdf": b"a", "b.pdf": b"b"}))
    assert upload(api, definition, "docs.zip", zip_of({"c.pdf": b"c"})).status_code == 200
    assert list(staged_members()) == ["c.pdf"]
    assert len(staged_bytes(data_dir)) == 1


def test_deleting_an_archive_deletes_its_members(api: APIClient, data_dir: Path) -> None:
    definition = create(api, "docs.tar", "other.pdf")
    upload(api, definition, "docs.tar", tar_of({"a.pdf": b"a"}, mode="w"))
    upload(api, definition, "other.pdf", b"o")
    archive_url = f"{BASE}/{definition['id']}/files/{file_of(definition, 'docs.tar')['id']}"
    assert api.delete(archive_url).status_code == 204
    assert staged_members() == {}
    assert list(StagedFile.objects.values_list("name", flat=True)) == ["other.pdf"]
    assert len(staged_bytes(data_dir)) == 1
    assert api.delete(f"{BASE}/{definition['id']}").status_code == 204
    assert not StagedFile.objects.exists()


def _symlink_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("passwd")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(info)
    return buffer.getvalue()


def _special_tar(kind: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.addfile(tarfile.TarInfo("ok.pdf"), io.BytesIO(b""))
        info = tarfile.TarInfo("node")
        info.type = kind
        archive.addfile(info)
    return buffer.getvalue()


def _symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("link.pdf")
        info.external_attr = (0o120777 << 16) | 0x20
        archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def _duplicate_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, pytest.warns(UserWarning):
        archive.writestr("a.pdf", b"1")
        archive.writestr("./a.pdf", b"2")  # the same name once `.` is dropped
        archive.writestr("a.pdf", b"3")
    return buffer.getvalue()


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", bytes(5_000_000))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("archive_name", "content", "code"),
    [
        ("a.zip", zip_of({"ok.pdf": b"x", "../escape.pdf": b"x"}), "archive-unsafe-name"),
        ("a.zip", zip_of({"ok.pdf": b"x", "docs/../../x.pdf": b"x"}), "archive-unsafe-name"),
        ("a.tar", tar_of({"ok.pdf": b"x", "/etc/cron.d/x": b"x"}, "w"), "archive-unsafe-name"),
        ("a.zip", zip_of({"dir\\x.pdf": b"x"}), "archive-unsafe-name"),
        ("a.tar", _symlink_tar(), "archive-link"),
        ("a.zip", _symlink_zip(), "archive-link"),
        ("a.tar", _special_tar(tarfile.LNKTYPE), "archive-link"),
        ("a.tar", _special_tar(tarfile.CHRTYPE), "archive-device"),
        ("a.tar", _special_tar(tarfile.BLKTYPE), "archive-device"),
        ("a.tar", _special_tar(tarfile.FIFOTYPE), "archive-device"),
        ("a.zip", _duplicate_zip(), "archive-duplicate-name"),
        ("a.tgz", tar_of({"a.pdf": b"1", "./a.pdf": b"2"}), "archive-duplicate-name"),
        ("a.zip", _bomb(), "archive-too-large"),
        ("a.zip", zip_of({"a.pdf": os.urandom(5000)})[:-30], "archive-damaged"),
        ("a.tgz", tar_of({"a.pdf": os.urandom(50_000)})[:-100], "archive-damaged"),
        ("a.tar", tar_of({"a.pdf": os.urandom(50_000)}, "w")[:20_000], "archive-damaged"),
        ("a.zip", b"not an archive at all", "archive-damaged"),
    ],
)
def test_a_bad_archive_is_refused_and_stages_nothing(
    api: APIClient, data_dir: Path, archive_name: str, content: bytes, code: str
) -> None:
    definition = create(api, archive_name)
    response = upload(api, definition, archive_name, content)
    assert response.status_code == 422 and codes(response) == [code]
    assert response.json()["errors"][0]["message"].startswith(f"{archive_name}: ")
    current = file_of(api.get(f"{BASE}/{definition['id']}").json(), archive_name)
    assert (current["status"], current["sha256"]) == ("ERROR", "")
    assert staged_members() == {}
    assert staged_bytes(data_dir) == []


def test_archive_limits_come_from_the_settings(
    api: APIClient, data_dir: Path, settings: Any
) -> None:
    settings.DOCLOAD_ARCHIVE_MAX_MEMBERS = 2
    definition = create(api, "a.zip", "b.zip", "c.zip")
    three = zip_of({"1": b"1", "2": b"2", "3": b"3"})
    assert codes(upload(api, definition, "a.zip", three)) == ["archive-too-many-members"]
    assert upload(api, definition, "a.zip", zip_of({"1": b"1", "2": b"2"})).status_code == 200

    settings.DOCLOAD_ARCHIVE_MAX_BYTES = 1000
    big = zip_of({"x.bin": os.urandom(1001)})
    assert codes(upload(api, definition, "b.zip", big)) == ["archive-too-large"]

    settings.DOCLOAD_ARCHIVE_MAX_RATIO = 2
    compressible = zip_of({"x.txt": b"a" * 900})  # fits in bytes, but not in the ratio
    assert codes(upload(api, definition, "c.zip", compressible)) == ["archive-too-large"]
    assert sorted(staged_members()) == ["1", "2"]


def test_a_member_named_like_another_file_is_refused(api: APIClient, data_dir: Path) -> None:
    definition = create(api, "a.pdf", "docs.zip", "more.zip")
    upload(api, definition, "a.pdf", b"a")
    response = upload(api, definition, "docs.zip", zip_of({"a.pdf": b"other", "b.pdf": b"b"}))
    assert response.status_code == 422 and codes(response) == ["unique"]
    assert response.json()["errors"][0]["parameters"] == [{"key": "name", "value": "a.pdf"}]
    assert file_of(api.get(f"{BASE}/{definition['id']}").json(), "docs.zip")["status"] == "ERROR"
    assert staged_members() == {}

    assert upload(api, definition, "more.zip", zip_of({"b.pdf": b"b"})).status_code == 200
    again = upload(api, definition, "docs.zip", zip_of({"b.pdf": b"twice"}))
    assert codes(again) == ["unique"]  # a name given by two archives
    # A file announced later may not take a member's name either.
    taken = api.post(f"{BASE}/{definition['id']}/files", {"name": "b.pdf"}, "json")
    assert taken.status_code == 422 and codes(taken) == ["unique"]
    assert list(staged_members()) == ["b.pdf"]
