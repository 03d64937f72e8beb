"""A JSON import run: its manifest's options, and its payloads in order, each an engine job."""

import uuid

from django.db import models
from django.utils import timezone


class Run(models.Model):
    """One manifest and its payloads; the staged files live in the engine's area `area_uuid`."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=255, blank=True)
    batch_size = models.PositiveIntegerField(default=100)
    eas_type = models.CharField(max_length=10, default="direct")
    # Where a record's `inhoud` `eas:path` points (a content source of the engine).
    content_source = models.JSONField(default=dict)
    area_uuid = models.UUIDField()
    created_on = models.DateTimeField(default=timezone.now, db_index=True)
    created_by = models.CharField(max_length=255, blank=True)
    # What was asked last: a dry run of the payloads (`prepare`) or their import (`start`).
    mode = models.CharField(max_length=10, blank=True)
    started_on = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_on", "-pk"]

    def __str__(self) -> str:
        return f"JSON import {self.uuid}"


class Payload(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="payloads")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=1024)
    import_type = models.CharField(max_length=40)
    enabled = models.BooleanField(default=True)
    # The batch (from 1) a payload's import begins with; the ones before are not imported.
    starting_batch = models.PositiveIntegerField(default=1)
    # The engine's jobs: the import, and the dry run. Not foreign keys: jobs have their own
    # retention.
    job_uuid = models.UUIDField(null=True, blank=True)
    prepared_job_uuid = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="one_payload_per_position")
        ]

    def __str__(self) -> str:
        return f"payload {self.name} of {self.run_id}"
