"""Reading content archives: member names, directories, streaming, limits."""

from __future__ import annotations

import io
import tarfile
import zipfile
from typing import Any

import pytest

from docload.documents.storage import CHUNK_SIZE
from docload.imports.archives import ArchiveRefused, is_archive, members


def read_all(data: bytes, name: str) -> dict[str, bytes]:
    return {
        member: b"".join(chunks) for member, chunks in members(io.BytesIO(data), name, len(data))
    }


@pytest.mark.parametrize(
    ("name", "archive"),
    [("a.zip", True), ("A.TAR.GZ", True), ("a.tgz", True), ("a.tar", True), ("a.gz", False)],
)
def test_archives_are_known_by_their_suffix(name: str, archive: bool) -> None:
    assert is_archive(name) is archive


def test_names_lose_dot_segments_and_directories_are_skipped() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        directory = tarfile.TarInfo("./docs")
        directory.type = tarfile.DIRTYPE
        archive.addfile(directory)
        info = tarfile.TarInfo("./docs//./a.pdf")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"pdf"))
    assert read_all(buffer.getvalue(), "a.tar") == {"docs/a.pdf": b"pdf"}


def test_a_large_member_streams_in_chunks(settings: Any) -> None:
    settings.DOCLOAD_ARCHIVE_MAX_RATIO = 100_000  # zeros compress far beyond the default
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.bin", bytes(5 * CHUNK_SIZE + 7))
    data = buffer.getvalue()
    [(name, chunks)] = [(n, list(c)) for n, c in members(io.BytesIO(data), "a.zip", len(data))]
    assert name == "big.bin" and sum(map(len, chunks)) == 5 * CHUNK_SIZE + 7
    assert max(map(len, chunks)) <= CHUNK_SIZE


def test_a_name_over_the_limit_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("d/" * 600 + "a.pdf", b"x")
    with pytest.raises(ArchiveRefused, match="at most 1024 bytes"):
        read_all(buffer.getvalue(), "a.zip")


def test_the_first_refusal_stops_reading() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ok.pdf", b"x")
        archive.writestr("../bad.pdf", b"x")
        archive.writestr("never-read.pdf", b"x")
    seen = []
    with pytest.raises(ArchiveRefused) as refused:
        for name, chunks in members(io.BytesIO(buffer.getvalue()), "a.zip", 100):
            seen.append((name, b"".join(chunks)))
    assert seen == [("ok.pdf", b"x")] and refused.value.code == "archive-unsafe-name"
