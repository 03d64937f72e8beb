"""The definition's status, derived from its files; retention of definitions and staged bytes."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from docload.dialects.uploads.models import (
    DefinitionStatus,
    FileDefinition,
    FileStatus,
    UploadDefinition,
    expired_definitions,
)
from docload.documents.storage import store_content
from docload.imports.jobs import create_job, delete_expired_jobs
from docload.imports.models import Job, JobStatus, StagedFile
from docload.imports.staging import area_prefix, receive_file

NOW = timezone.now()


def definition_with(*statuses: str, status: str = DefinitionStatus.NEW) -> UploadDefinition:
    definition = UploadDefinition.objects.create(status=status)
    for index, file_status in enumerate(statuses):
        FileDefinition.objects.create(
            upload_definition=definition, name=f"{index}.pdf", status=file_status
        )
    return definition


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("files", "status"),
    [
        ((), DefinitionStatus.NEW),
        ((FileStatus.NEW, FileStatus.NEW), DefinitionStatus.NEW),
        ((FileStatus.NEW, FileStatus.UPLOADING), DefinitionStatus.IN_PROGRESS),
        ((FileStatus.UPLOADED, FileStatus.NEW), DefinitionStatus.IN_PROGRESS),
        ((FileStatus.UPLOADED, FileStatus.ERROR), DefinitionStatus.IN_PROGRESS),
        ((FileStatus.UPLOADED, FileStatus.UPLOADED), DefinitionStatus.LOADED),
        ((FileStatus.ERROR, FileStatus.ERROR), DefinitionStatus.ERROR),
    ],
)
def test_the_status_follows_the_files(files: tuple[str, ...], status: str) -> None:
    definition = definition_with(*files)
    definition.save_change("someone")
    definition.refresh_from_db()
    assert (definition.status, definition.updated_by_user_id) == (status, "someone")


@pytest.mark.django_db
def test_once_processing_started_the_files_no_longer_decide() -> None:
    definition = definition_with(FileStatus.NEW, status=DefinitionStatus.COMPLETED)
    definition.save_change("someone")
    assert definition.status == DefinitionStatus.COMPLETED


@pytest.mark.django_db
def test_an_explicit_status_wins() -> None:
    definition = definition_with(FileStatus.UPLOADED)
    definition.save_change("someone", status=DefinitionStatus.ERROR)
    assert definition.status == DefinitionStatus.ERROR


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def with_job(definition: UploadDefinition, status: str, finished_days_ago: float | None) -> None:
    job = create_job("uploads")
    finished = days_ago(finished_days_ago) if finished_days_ago is not None else None
    Job.objects.filter(pk=job.pk).update(status=status, finished_on=finished)
    definition.meta_job_execution_id = job.uuid
    definition.save()


@pytest.mark.django_db(transaction=True)
def test_retention_removes_abandoned_and_finished_definitions_with_their_bytes(
    settings: Any, data_dir: Path
) -> None:
    settings.IMPORT_RETENTION_DAYS = 7
    settings.UPLOAD_ABANDONED_DAYS = 3
    definitions: dict[str, UploadDefinition] = {}
    for name, updated_days_ago in (
        ("fresh", 1),
        ("abandoned", 4),
        ("abandoned-running", 30),
        ("finished-long-ago", 1),
        ("finished-lately", 30),
        ("failed-long-ago", 1),
    ):
        definition = definition_with(FileStatus.UPLOADED)
        UploadDefinition.objects.filter(pk=definition.pk).update(
            updated_date=days_ago(updated_days_ago)
        )
        for file in definition.files.all():
            receive_file(definition.uuid, file.name, [b"staged"]).place()
            # An upload interrupted by a crash left its temporary bytes behind.
            store_content(f"{area_prefix(definition.uuid)}/left-over.partial", [b"half"])
        definitions[name] = definition
    with_job(definitions["abandoned-running"], JobStatus.ACTIVE, None)
    with_job(definitions["finished-long-ago"], JobStatus.FINISHED, 8)
    with_job(definitions["finished-lately"], JobStatus.FINISHED, 2)
    with_job(definitions["failed-long-ago"], JobStatus.ERROR, 8)

    assert set(expired_definitions(NOW)) == {
        definitions[name] for name in ("abandoned", "finished-long-ago", "failed-long-ago")
    }
    delete_expired_jobs(NOW)

    kept = {"fresh", "abandoned-running", "finished-lately"}
    remaining = set(UploadDefinition.objects.values_list("uuid", flat=True))
    assert remaining == {definitions[name].uuid for name in kept}
    staging = data_dir / "content" / "staging"
    assert {path.name for path in staging.iterdir()} == {str(uuid) for uuid in remaining}
    assert set(StagedFile.objects.values_list("area", flat=True)) == remaining
    assert FileDefinition.objects.count() == len(kept)
    # The engine's own retention ran too, after the definitions went.
    assert set(Job.objects.values_list("status", flat=True)) == {"active", "finished"}
