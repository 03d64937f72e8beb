"""Upload definitions: files announced, uploaded to staging, then processed as one import."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from docload.imports.models import OPEN_STATUSES, Job, JobStatus
from docload.imports.staging import delete_staged, staging_key


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

    def __str__(self) -> str:
        return f"upload definition {self.uuid} ({self.status})"

    @property
    def staging_prefix(self) -> str:
        return staging_key(str(self.uuid))

    def save_change(self, user_id: str, status: str = "") -> None:
        """Save a change made by `user_id`; the status is `status`, or derived from the files'."""
        self.updated_date = timezone.now()
        self.updated_by_user_id = user_id
        self.status = status or self._derived_status()
        self.save()

    def _derived_status(self) -> str:
        if self.status == DefinitionStatus.COMPLETED:
            return self.status  # processing started: the files no longer decide
        statuses = set(self.files.values_list("status", flat=True))
        if not statuses or statuses == {FileStatus.NEW}:
            return DefinitionStatus.NEW
        if statuses == {FileStatus.UPLOADED}:
            return DefinitionStatus.LOADED
        if statuses == {FileStatus.ERROR}:
            return DefinitionStatus.ERROR
        return DefinitionStatus.IN_PROGRESS

    def import_is_running(self) -> bool:
        if self.meta_job_execution_id is None:
            return False
        return Job.objects.filter(
            uuid=self.meta_job_execution_id, status__in=OPEN_STATUSES
        ).exists()

    def delete_with_files(self) -> None:
        """Delete the definition, and its staged bytes once that committed."""
        prefix = self.staging_prefix
        self.delete()
        transaction.on_commit(lambda: delete_staged(prefix))


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
    uploaded_date = models.DateTimeField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    job_execution_id = models.UUIDField(null=True, blank=True)
    # The latest upload started; an older one still streaming may not place its bytes.
    upload_token = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            # `bestandspad` names a staged file by its name, so names are unique per definition.
            models.UniqueConstraint(
                fields=["upload_definition", "name"], name="one_file_name_per_definition"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

    @property
    def source_path(self) -> str:
        """Where the bytes are kept, relative to the staging area."""
        return f"{self.upload_definition.uuid}/{self.uuid}/{self.name}"

    @property
    def staged_key(self) -> str:
        return staging_key(self.source_path)

    @property
    def staging_prefix(self) -> str:
        """The file's own directory: its bytes and any unfinished upload of them."""
        return staging_key(str(self.upload_definition.uuid), str(self.uuid))

    def delete_with_bytes(self) -> None:
        """Delete the file, and its staged bytes once that committed."""
        prefix = self.staging_prefix
        self.delete()
        transaction.on_commit(lambda: delete_staged(prefix))


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
