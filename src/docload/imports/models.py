"""Import jobs, the durable outcome of every row, and the files staged for imports."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class JobStatus(models.TextChoices):
    PENDING = "pending"  # created, waiting for its source
    ACTIVE = "active"  # running, or queued to run
    FINISHED = "finished"
    ERROR = "error"  # stopped by an unrecoverable fault; can be resumed


OPEN_STATUSES = (JobStatus.PENDING, JobStatus.ACTIVE)
ENDED_STATUSES = (JobStatus.FINISHED, JobStatus.ERROR)


class RollbackStatus(models.TextChoices):
    """Undoing an ended import: apart from its status, which says how the import itself ended."""

    NONE = ""
    ROLLING_BACK = "rolling_back"  # asked for; a worker removes what the import created
    ROLLED_BACK = "rolled_back"


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
    # `csv`, `xlsx`, or `json:<import_type>` for a JSON payload.
    source_format = models.CharField(max_length=40, default="csv")
    # Where `bestandspad` points: {"kind": "base_dir", "path": ...} or a dialect's own kind.
    content_source = models.JSONField(default=dict)
    # The worker holding the job; a lease that ran out lets another worker take over.
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_expires = models.DateTimeField(null=True, blank=True)
    rollback = models.CharField(
        max_length=20, choices=RollbackStatus.choices, default=RollbackStatus.NONE, blank=True
    )
    rolled_back_on = models.DateTimeField(null=True, blank=True)
    # A dry run (prepare): every row checked as for real, its content copied and checked, and
    # nothing kept but the row results.
    dry_run = models.BooleanField(default=False)
    # A dry run's earlier jobs (uuids), whose importable records its lookups may find
    # (`prepared`): the payloads before it in a JSON import.
    follows = models.JSONField(default=list, blank=True)

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
    # Where a workbook's record is (`SourceRow.place`): its row number counts on across sheets.
    place = models.CharField(max_length=60, blank=True)
    # When the row's outcome committed (its batch's time).
    recorded_on = models.DateTimeField(null=True, blank=True)
    # The versie a document had before this row updated it (what a rollback restores).
    previous_versie = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="one_result_per_row")
        ]

    def __str__(self) -> str:
        return f"row {self.row_number}: {'imported' if self.imported else 'not imported'}"


class JobPart(models.Model):
    """A range of a job's rows that one task writes (`imports.parts`): on PostgreSQL a large CSV
    import is split into parts, so that every worker can write one at the same time.

    Its rows are the records after the first `first_row`, `rows` of them; `processed` counts the
    leading ones committed, as `Job.processed` does for a job in one piece.
    """

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveIntegerField()  # in file order, from 0
    first_row = models.PositiveIntegerField()
    rows = models.PositiveIntegerField()
    # Where its records start in the file (`sources.csv.Checkpoint`): the physical line before
    # it, the text stream's position (a cookie that may pass 64 bits, hence text) and the
    # delimiter; empty for the first part, which reads from the start.
    checkpoint = models.JSONField(default=dict, blank=True)
    processed = models.PositiveIntegerField(default=0)
    done = models.BooleanField(default=False)
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_expires = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="one_part_per_number")
        ]
        indexes = [models.Index(fields=["done", "lease_expires"])]

    def __str__(self) -> str:
        return f"part {self.number} of {self.job}"


class AreaStatus(models.TextChoices):
    NEW = "NEW"  # nothing uploaded yet
    IN_PROGRESS = "IN_PROGRESS"  # some files uploaded
    LOADED = "LOADED"  # every file uploaded
    COMPLETED = "COMPLETED"  # handed to an import: the files no longer change
    ERROR = "ERROR"  # every file failed, or the import could not start


class FileStatus(models.TextChoices):
    NEW = "NEW"  # announced, not uploaded
    UPLOADING = "UPLOADING"
    UPLOADED = "UPLOADED"
    ERROR = "ERROR"  # the upload failed or was refused; the file holds no bytes


_COUNTERS: dict[str, str] = {
    FileStatus.NEW: "new_files",
    FileStatus.UPLOADING: "uploading_files",
    FileStatus.UPLOADED: "uploaded_files",
    FileStatus.ERROR: "failed_files",
}


class StagingArea(models.Model):
    """Named files staged by one dialect (an upload definition, say), then imported together."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dialect = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=AreaStatus.choices, default=AreaStatus.NEW)
    # The import's uuid. Not a foreign key: the job has its own retention and deletion.
    job_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    created_on = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=255, blank=True)
    updated_on = models.DateTimeField(default=timezone.now, db_index=True)
    updated_by = models.CharField(max_length=255, blank=True)
    # How many of the files it was given are in each status (members of archives not counted),
    # kept with every change of a status: counting a million rows on every upload would not do.
    new_files = models.PositiveIntegerField(default=0)
    uploading_files = models.PositiveIntegerField(default=0)
    uploaded_files = models.PositiveIntegerField(default=0)
    failed_files = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.dialect} staging area {self.uuid} ({self.status})"

    def file_counts(self) -> dict[str, int]:
        """How many files it was given in each status, every status included."""
        return {status: getattr(self, field) for status, field in _COUNTERS.items()}

    def count_file(self, before: str | None, after: str | None, files: int = 1) -> None:
        """Move `files` of its files from status `before` to `after` (None: added, removed).

        Only on an area locked for the transaction that changes the files and then saves it.
        """
        for status, change in ((before, -files), (after, files)):
            if status is not None:
                field = _COUNTERS[status]
                setattr(self, field, getattr(self, field) + change)


class StagedFile(models.Model):
    """A file of an area, named by `name` there, as announced and then uploaded.

    The bytes live in the content storage under `key`, which the engine chooses and which is
    blank until they are complete; `imports.staging` changes rows and bytes together. The
    members of an archive are files of its area too, named by their paths inside it, with
    `archive` naming the upload they came from.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The column holds the area's uuid: content sources and staged keys name areas by it.
    area = models.ForeignKey(
        StagingArea,
        to_field="uuid",
        db_column="area",
        on_delete=models.CASCADE,
        related_name="files",
        db_index=False,  # the unique (area, name) index serves lookups by area
    )
    name = models.CharField(max_length=1024)
    status = models.CharField(max_length=20, choices=FileStatus.choices, default=FileStatus.NEW)
    declared_size = models.PositiveBigIntegerField(null=True, blank=True, help_text="in KB")
    client_key = models.CharField(max_length=255, blank=True, help_text="the client's own key")
    # Members are deleted first, explicitly (`imports.staging.delete_members`): with no cascade
    # Django deletes an area's million files in one statement instead of collecting them.
    archive = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="members"
    )
    key = models.CharField(max_length=300, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True, help_text="bytes stored")
    sha256 = models.CharField(max_length=64, blank=True)
    # The latest upload started; an older one still streaming may not place its bytes.
    upload_token = models.UUIDField(null=True, blank=True)
    created_on = models.DateTimeField(default=timezone.now)
    uploaded_on = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["area", "archive", "status"])]
        constraints = [
            # `bestandspad` names a staged file by its name: one file per name in an area.
            models.UniqueConstraint(fields=["area", "name"], name="one_staged_file_per_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status}, area {self.area_id})"
