"""Staging areas: the status from the files, metadata files, retention of areas and bytes."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from docload.documents.storage import store_content
from docload.imports.areas import (
    expired_areas,
    extension_of,
    is_blocked,
    metadata_format,
    touch,
)
from docload.imports.jobs import create_job, delete_expired_jobs
from docload.imports.models import (
    AreaStatus,
    FileStatus,
    Job,
    JobStatus,
    StagedFile,
    StagingArea,
)
from docload.imports.staging import area_prefix, receive_file
from tests.storage import stored_keys

NOW = timezone.now()


def area_with(*statuses: str, status: str = AreaStatus.NEW) -> StagingArea:
    area = StagingArea.objects.create(dialect="test", status=status)
    for index, file_status in enumerate(statuses):
        StagedFile.objects.create(area=area, name=f"{index}.pdf", status=file_status)
        area.count_file(None, file_status)
    area.save()
    return area


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("files", "status"),
    [
        ((), AreaStatus.NEW),
        ((FileStatus.NEW, FileStatus.NEW), AreaStatus.NEW),
        ((FileStatus.NEW, FileStatus.UPLOADING), AreaStatus.IN_PROGRESS),
        ((FileStatus.UPLOADED, FileStatus.NEW), AreaStatus.IN_PROGRESS),
        ((FileStatus.UPLOADED, FileStatus.ERROR), AreaStatus.IN_PROGRESS),
        ((FileStatus.UPLOADED, FileStatus.UPLOADED), AreaStatus.LOADED),
        ((FileStatus.ERROR, FileStatus.ERROR), AreaStatus.ERROR),
    ],
)
def test_the_status_follows_the_files(files: tuple[str, ...], status: str) -> None:
    area = area_with(*files)
    touch(area, "someone")
    area.refresh_from_db()
    assert (area.status, area.updated_by) == (status, "someone")


@pytest.mark.django_db
def test_an_archives_members_do_not_count() -> None:
    area = area_with(FileStatus.NEW)
    archive = StagedFile.objects.create(area=area, name="a.zip", status=FileStatus.UPLOADED)
    area.count_file(None, FileStatus.UPLOADED)
    StagedFile.objects.create(area=area, name="m", archive=archive, status=FileStatus.UPLOADED)
    touch(area, "someone")
    assert area.status == AreaStatus.IN_PROGRESS


@pytest.mark.django_db
def test_once_processing_started_the_files_no_longer_decide() -> None:
    area = area_with(FileStatus.NEW, status=AreaStatus.COMPLETED)
    touch(area, "someone")
    assert area.status == AreaStatus.COMPLETED


@pytest.mark.django_db
def test_an_explicit_status_wins() -> None:
    area = area_with(FileStatus.UPLOADED)
    touch(area, "someone", status=AreaStatus.ERROR)
    assert area.status == AreaStatus.ERROR


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def with_job(area: StagingArea, status: str, finished_days_ago: float | None) -> None:
    job = create_job("uploads")
    finished = days_ago(finished_days_ago) if finished_days_ago is not None else None
    Job.objects.filter(pk=job.pk).update(status=status, finished_on=finished)
    area.job_uuid = job.uuid
    area.save()


@pytest.mark.django_db(transaction=True)
def test_retention_removes_abandoned_and_finished_areas_with_their_bytes(
    settings: Any, data_dir: Path
) -> None:
    settings.IMPORT_RETENTION_DAYS = 7
    settings.UPLOAD_ABANDONED_DAYS = 3
    areas: dict[str, StagingArea] = {}
    for name, updated_days_ago in (
        ("fresh", 1),
        ("abandoned", 4),
        ("abandoned-running", 30),
        ("finished-long-ago", 1),
        ("finished-lately", 30),
        ("failed-long-ago", 1),
    ):
        area = area_with(FileStatus.UPLOADED)
        StagingArea.objects.filter(pk=area.pk).update(updated_on=days_ago(updated_days_ago))
        for file in area.files.all():
            receive_file(area.uuid, [b"staged"]).place(file)
            # An upload interrupted by a crash left its temporary bytes behind.
            store_content(f"{area_prefix(area.uuid)}/left-over.partial", [b"half"])
        areas[name] = area
    with_job(areas["abandoned-running"], JobStatus.ACTIVE, None)
    with_job(areas["finished-long-ago"], JobStatus.FINISHED, 8)
    with_job(areas["finished-lately"], JobStatus.FINISHED, 2)
    with_job(areas["failed-long-ago"], JobStatus.ERROR, 8)

    assert set(expired_areas(NOW)) == {
        areas[name] for name in ("abandoned", "finished-long-ago", "failed-long-ago")
    }
    delete_expired_jobs(NOW)

    kept = {"fresh", "abandoned-running", "finished-lately"}
    remaining = set(StagingArea.objects.values_list("uuid", flat=True))
    assert remaining == {areas[name].uuid for name in kept}
    areas_stored = {key.split("/")[1] for key in stored_keys("staging")}
    assert areas_stored == {str(uuid) for uuid in remaining}
    assert set(StagedFile.objects.values_list("area", flat=True)) == remaining
    assert StagedFile.objects.count() == len(kept)
    # The job retention ran too, after the areas went.
    assert set(Job.objects.values_list("status", flat=True)) == {"active", "finished"}


@pytest.mark.parametrize(
    ("name", "extension"),
    [("a.pdf", ".pdf"), ("A.TAR.GZ", ".gz"), ("noext", ""), (".bashrc", ""), ("a.", ".")],
)
def test_extension_is_from_the_last_dot(name: str, extension: str) -> None:
    assert extension_of(name) == extension


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("metadata.csv", "csv"),
        ("Metadata.CSV", "csv"),
        ("sheet.xlsx", "xlsx"),
        ("manifest.json", "json"),
        ("other.json", ""),
        ("a.pdf", ""),
    ],
)
def test_metadata_format(name: str, kind: str) -> None:
    assert metadata_format(name) == kind


def test_blocked_extensions_come_from_the_settings(settings: Any) -> None:
    settings.UPLOAD_BLOCKED_EXTENSIONS = [".exe"]
    assert is_blocked("setup.EXE") and not is_blocked("exe.pdf")
