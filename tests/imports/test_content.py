import os
import stat
from pathlib import Path

import pytest

from docload.imports import copying
from docload.imports.content import BaseDirectoryResolver, check_base_dir
from docload.imports.errors import ContentError, ImportProblem


@pytest.fixture(params=["kernel", "portable"])
def how_opened(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every containment test runs on both ways of opening beneath a directory: openat2
    (Linux) and resolving symlinks first (elsewhere, and for absolute symlinks)."""
    if request.param == "portable":
        monkeypatch.setattr(copying, "_open_beneath", copying._open_resolved)
    elif copying._open_beneath is copying._open_resolved:
        pytest.skip("this kernel has no openat2")
    return str(request.param)


@pytest.fixture
def tree(tmp_path: Path, how_opened: str) -> Path:
    base = tmp_path / "base"
    (base / "sub").mkdir(parents=True)
    (base / "sub" / "a.pdf").write_bytes(b"pdf!")
    (tmp_path / "outside.txt").write_bytes(b"secret")
    (base / "link-out").symlink_to(tmp_path / "outside.txt")
    (base / "link-in").symlink_to(base / "sub" / "a.pdf")
    (base / "relative-link-in").symlink_to("sub/a.pdf")
    (base / "relative-link-out").symlink_to("../outside.txt")
    (base / "sub" / "dir-link-out").symlink_to(tmp_path)
    os.mkfifo(base / "fifo")
    os.link(tmp_path / "outside.txt", base / "hardlink-out")
    return base


def test_opens_a_file_under_the_base_dir(tree: Path) -> None:
    opened = BaseDirectoryResolver(tree).open("sub/a.pdf")
    with opened.stream:
        assert opened.stream.read() == b"pdf!" and opened.size == 4
    for link in ("link-in", "relative-link-in", "sub/../sub/a.pdf"):
        with BaseDirectoryResolver(tree).open(link).stream as stream:
            assert stream.read() == b"pdf!"


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("../outside.txt", "not relative to the import base directory"),
        ("sub/../../outside.txt", "not relative to the import base directory"),
        ("/etc/passwd", "not relative to the import base directory"),
        ("link-out", "not relative to the import base directory"),
        ("relative-link-out", "not relative to the import base directory"),
        ("sub/dir-link-out/outside.txt", "not relative to the import base directory"),
        ("fifo", "not a regular file"),  # and does not wait for a writer
        ("hardlink-out", "other hard links"),
        ("sub/missing.pdf", "does not exist"),
        ("sub", "is a directory"),
        ("../\x00x", "NUL"),
        ("sub/a.pdf\x00junk", "NUL"),  # not cut short to sub/a.pdf
    ],
)
def test_refuses_what_is_not_a_file_inside(tree: Path, reference: str, message: str) -> None:
    with pytest.raises(ContentError, match=message):
        BaseDirectoryResolver(tree).open(reference)


def test_base_dir_checks(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    for path, code in (
        (tmp_path / "none", "import-dir-not-found"),
        (tmp_path / "file", "import-dir-not-dir"),
    ):
        with pytest.raises(ImportProblem) as problem:
            check_base_dir(path)
        assert problem.value.code == code
    check_base_dir(tmp_path)


def test_a_device_file_is_not_read(tree: Path) -> None:
    try:
        os.mknod(tree / "zero", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # like /dev/zero
    except PermissionError:
        pytest.skip("no permission to make a device file here")
    with pytest.raises(ContentError, match="not a regular file"):
        BaseDirectoryResolver(tree).open("zero")
