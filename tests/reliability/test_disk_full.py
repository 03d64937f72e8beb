"""A content store that fills up mid-import: the batch in flight fails cleanly, nothing
half-written stays, and resume finishes the import once there is space again."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docload.documents.models import EnkelvoudigInformatieObject
from docload.imports.models import JobStatus, RowResult
from docload.imports.scheduling import resume_job
from tests.factories import metadata_row, write_files
from tests.imports.conftest import run, start_import

pytestmark = pytest.mark.django_db(transaction=True)
FILE = 512 * 1024


@pytest.fixture
def small_disk(tmp_path: Path, settings: Any) -> Iterator[Path]:
    """The content storage on a 3 MB tmpfs of its own."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    # Local files (also under make test-scale): the fault is a local disk's.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(mount), "allow_overwrite": True},
        },
    }
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def stored_files(mount: Path) -> set[str]:
    return {str(p.relative_to(mount)) for p in (mount / "documenten").rglob("*") if p.is_file()}


def test_a_full_disk_fails_the_batch_cleanly_and_resume_finishes(
    small_disk: Path, base_dir: Path, document_type_url: str
) -> None:
    paths = write_files(base_dir, 10, size=FILE)
    job = run(
        start_import([metadata_row(document_type_url, bestandspad=p) for p in paths], batch_size=2)
    )
    assert job.status == JobStatus.ERROR
    assert job.comment.startswith("An I/O error stopped the import: [Errno 28] No space left")
    assert job.comment.endswith("Resume it once fixed.")
    documents = list(EnkelvoudigInformatieObject.objects.all())
    assert 0 < len(documents) < 10 and job.processed == len(documents)
    # Every committed document has its whole content, and no bytes are there without one.
    assert stored_files(small_disk) == {d.content_key for d in documents}
    assert all((small_disk / d.content_key).stat().st_size == FILE for d in documents)

    subprocess.run(["mount", "-o", "remount,size=20m", str(small_disk)], check=True)
    resume_job(job)
    job = run(job)
    assert (job.status, job.succeeded, job.invalid) == (JobStatus.FINISHED, 10, 0)
    documents = list(EnkelvoudigInformatieObject.objects.all())
    assert len(documents) == 10 and RowResult.objects.filter(job=job).count() == 10
    assert stored_files(small_disk) == {d.content_key for d in documents}
