"""Local content files: creating them safely and copying them by the kernel or through Python."""

import os
from pathlib import Path

import pytest

from docload.documents.localfiles import LocalDestination, copy_descriptor, created


def destination(root: Path, file_mode: int | None = None) -> LocalDestination:
    return LocalDestination(str(root), file_mode, None, None)


@pytest.mark.parametrize("algorithms", [(), ("sha_256",)], ids=["kernel", "hashed"])
def test_copies_at_most_the_size_it_was_given(tmp_path: Path, algorithms: tuple[str, ...]) -> None:
    source = tmp_path / "source"
    source.write_bytes(b"0123456789" * 1000)
    with open(source, "rb") as reading, created(destination(tmp_path), str(tmp_path / "a")) as fd:
        copied, digests = copy_descriptor(reading.fileno(), 0, fd, algorithms, size=4096)
    assert copied == 4096
    assert (tmp_path / "a").read_bytes() == source.read_bytes()[:4096]
    with open(source, "rb") as reading, created(destination(tmp_path), str(tmp_path / "b")) as fd:
        copied, _ = copy_descriptor(reading.fileno(), 0, fd, algorithms)
    assert copied == 10000  # without a size: to the end
    assert ("sha_256" in digests) == bool(algorithms)


def test_created_makes_directories_applies_the_mode_and_removes_a_failed_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x" / "y" / "file"
    with created(destination(tmp_path, file_mode=0o640), str(path)) as descriptor:
        os.write(descriptor, b"bytes")
    assert path.read_bytes() == b"bytes"
    assert path.stat().st_mode & 0o777 == 0o640

    failed = tmp_path / "x" / "failed"
    with pytest.raises(OSError), created(destination(tmp_path), str(failed)) as descriptor:
        os.write(descriptor, b"half")
        raise OSError("disk full")
    assert not failed.exists()
