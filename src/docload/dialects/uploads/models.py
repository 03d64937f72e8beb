"""Upload definitions: files announced, uploaded to staging, then processed as one import."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import models, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from docload.imports.models import OPEN_STATUSES, Job, JobStatus, StagedFile
from docload.imports.staging import delete_area, delete_staged_file


class DefinitionStatus(models.TextChoices):
    NEW = "NEW"
    IN_PROGRESS = "IN_PROGRESS"  # some files uploaded
    LOADED = "LOADED"  # every file uploaded
    COMPLETED = "COMPLETED"  # processing started
    ERROR = "ERROR"  # every file failed, or processing could not start


class FileStatus(models.TextChoices):
    NEW = "NEW"
    UPLOADING = "UPLOADING"
    UPLOADED = "UPLOADED"
    ERROR = "ERROR"


class UploadDefinition(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        max_length=20, choices=DefinitionStatus.choices, default=DefinitionStatus.NEW
    )
    # The import job's uuid. Not a foreign key: the job has its own retention and deletion.
    meta_job_execution_id = models.UUIDField(null=True, blank=True, db_index=True)
    create_date = models.DateTimeField(default=timezone.now)
    created_by_user_id = models.CharField(max_length=255, blank=True)
    updated_date = models.DateTimeField(default=timezone.now, db_index=True)
    updated_by_user_id = models.CharField(max_length=255, blank=True)

    # Set by `embed_files()` only.
    embedded_files: list[FileDefinition]

    def __str__(self) -> str:
        return f"upload definition {self.uuid} ({self.status})"

    def save_change(self, user_id: str, status: str = "") -> None:
        """Save a change made by `user_id`; the status is `status`, or derived from the files'."""
        self.updated_date = timezone.now()
        self.updated_by_user_id = user_id
        self.status = status or self._derived_status()
        self.save()

    def _derived_status(self) -> str:
        if self.status == DefinitionStatus.COMPLETED:
            return self.status  # processing started: the files no longer decide
        statuses = {status for status, count in self.file_counts().items() if count}
        if not statuses or statuses == {FileStatus.NEW}:
            return DefinitionStatus.NEW
        if statuses == {FileStatus.UPLOADED}:
            return DefinitionStatus.LOADED
        if statuses == {FileStatus.ERROR}:
            return DefinitionStatus.ERROR
        return DefinitionStatus.IN_PROGRESS

    def file_counts(self) -> dict[str, int]:
        """How many files the definition has in each status (every status, zeros included).

        One GROUP BY on the (definition, status) index: a definition may hold a million files.
        """
        counts = dict(
            self.files.order_by().values_list("status").annotate(count=models.Count("pk"))
        )
        return {status: counts.get(status, 0) for status in FileStatus.values}

    def import_is_running(self) -> bool:
        if self.meta_job_execution_id is None:
            return False
        return Job.objects.filter(
            uuid=self.meta_job_execution_id, status__in=OPEN_STATUSES
        ).exists()

    def delete_with_files(self) -> None:
        """Delete the definition with its files: their staged rows now, their bytes on commit."""
        delete_area(self.uuid)
        self.delete()


class FileDefinitionQuerySet(models.QuerySet["FileDefinition"]):
    def with_bytes(self) -> FileDefinitionQuerySet:
        """The files with the facts of their staged bytes, all None before an upload.

        The bytes are the engine's staged file of the same name in the definition's area: its
        row alone knows where they are, their sha256 and when they arrived.
        """
        staged = StagedFile.objects.filter(
            area=OuterRef("upload_definition__uuid"), name=OuterRef("name")
        )
        return self.annotate(
            staged_key=Subquery(staged.values("key")),
            staged_sha256=Subquery(staged.values("sha256")),
            staged_on=Subquery(staged.values("updated_on")),
        )


class FileDefinition(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    upload_definition = models.ForeignKey(
        UploadDefinition, on_delete=models.CASCADE, related_name="files"
    )
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=20, choices=FileStatus.choices, default=FileStatus.NEW)
    size = models.PositiveBigIntegerField(null=True, blank=True, help_text="declared, in KB")
    ui_key = models.CharField(max_length=255, blank=True)
    create_date = models.DateTimeField(default=timezone.now)
    job_execution_id = models.UUIDField(null=True, blank=True)
    # The latest upload started; an older one still streaming may not place its bytes.
    upload_token = models.UUIDField(null=True, blank=True)

    objects = FileDefinitionQuerySet.as_manager()
    # Set by `FileDefinitionQuerySet.with_bytes()` only.
    staged_key: str | None
    staged_sha256: str | None
    staged_on: datetime.datetime | None

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["upload_definition", "status"])]
        constraints = [
            # A file is staged under its name in the definition's area, and `bestandspad` names
            # it so: names are unique per definition.
            models.UniqueConstraint(
                fields=["upload_definition", "name"], name="one_file_name_per_definition"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

    def delete_with_bytes(self) -> None:
        """Delete the file: its staged row now, its bytes on commit."""
        delete_staged_file(self.upload_definition.uuid, self.name)
        self.delete()


def embed_files(definitions: Iterable[UploadDefinition]) -> None:
    """Set each definition's `embedded_files`: its first `UPLOAD_EMBEDDED_FILES` files with the
    facts of their staged bytes (see `with_bytes`), whatever it holds.

    One LIMIT query per definition: a sliced prefetch would number every file of the definition
    (a window function, with the staged-bytes subqueries on each) to keep the first hundred.
    """
    for definition in definitions:
        files = FileDefinition.objects.filter(upload_definition=definition).with_bytes()
        definition.embedded_files = list(files[: settings.UPLOAD_EMBEDDED_FILES])


def expired_definitions(now: datetime.datetime) -> models.QuerySet[UploadDefinition]:
    """Definitions whose import ended before the retention period, or that were abandoned.

    Abandoned: unchanged for `UPLOAD_ABANDONED_DAYS`, and without a running import.
    """
    ended = Job.objects.filter(
        status__in=[JobStatus.FINISHED, JobStatus.ERROR],
        finished_on__lt=now - datetime.timedelta(days=settings.IMPORT_RETENTION_DAYS),
    ).values("uuid")
    running = Job.objects.filter(status__in=OPEN_STATUSES).values("uuid")
    abandoned = Q(
        updated_date__lt=now - datetime.timedelta(days=settings.UPLOAD_ABANDONED_DAYS)
    ) & ~Q(meta_job_execution_id__in=running)
    return UploadDefinition.objects.filter(Q(meta_job_execution_id__in=ended) | abandoned)


def delete_expired_definitions(now: datetime.datetime) -> None:
    """Retention: remove expired definitions with their files and staged bytes."""
    for definition in expired_definitions(now).iterator():
        with transaction.atomic():
            definition.delete_with_files()
