"""Import jobs and the durable outcome of every row."""

import uuid

from django.db import models
from django.db.models import Q


class JobStatus(models.TextChoices):
    PENDING = "pending"  # created, waiting for its source
    ACTIVE = "active"  # running, or queued to run
    FINISHED = "finished"
    ERROR = "error"  # stopped by an unrecoverable fault; can be resumed


OPEN_STATUSES = (JobStatus.PENDING, JobStatus.ACTIVE)


class Job(models.Model):
    """One import. Its whole state lives here; a task carries only its uuid."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dialect = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    total = models.PositiveIntegerField(null=True, blank=True, help_text="unknown until counted")
    processed = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    created_on = models.DateTimeField(auto_now_add=True)
    started_on = models.DateTimeField(null=True, blank=True)
    finished_on = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    batch_size = models.PositiveIntegerField()
    run_after = models.DateTimeField(null=True, blank=True)
    # Storage key of the metadata file, and how to read it.
    source_key = models.CharField(max_length=300, blank=True)
    source_format = models.CharField(max_length=10, default="csv")
    # Where `bestandspad` points: {"kind": "base_dir", "path": ...} or a dialect's own kind.
    content_source = models.JSONField(default=dict)
    # The worker holding the job; a lease that ran out lets another worker take over.
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_expires = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Open Zaak allows one open import at a time; the database enforces it under races.
            models.UniqueConstraint(
                fields=["dialect"],
                condition=Q(dialect="openzaak", status__in=["pending", "active"]),
                name="one_open_openzaak_import",
            )
        ]
        indexes = [models.Index(fields=["status", "lease_expires"])]

    def __str__(self) -> str:
        return f"{self.dialect} import {self.uuid} ({self.status})"


class RowResult(models.Model):
    """The outcome of one source row, committed with the batch that wrote it."""

    # No index of its own: the unique (job, row_number) index serves lookups by job.
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="rows", db_index=False)
    # Numbered as Open Zaak does: the header is line 1, the first record line 2.
    row_number = models.PositiveIntegerField()
    imported = models.BooleanField()
    comment = models.TextField(blank=True)
    document_uuid = models.UUIDField(null=True, blank=True)
    identificatie = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="one_result_per_row")
        ]

    def __str__(self) -> str:
        return f"row {self.row_number}: {'imported' if self.imported else 'not imported'}"


class StagedFile(models.Model):
    """Bytes uploaded ahead of an import, named by `name` within their `area`.

    An area is whatever one dialect stages files for (an upload definition's id, say). The bytes
    live in the content storage under `key`, which the engine chooses; `imports.staging` creates,
    replaces and deletes rows and bytes together.
    """

    area = models.UUIDField()
    name = models.CharField(max_length=255)
    key = models.CharField(max_length=300)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_on = models.DateTimeField(auto_now_add=True)
    # When the current bytes were placed: a re-upload replaces them.
    updated_on = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # Also the index every lookup by area, or by area and name, uses.
            models.UniqueConstraint(fields=["area", "name"], name="one_staged_file_per_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.size} bytes, area {self.area})"
