"""A bulk load: the job that runs it, the workbook it loads, and whether it was canceled."""

import uuid

from django.db import models
from django.utils import timezone


class Load(models.Model):
    """One transaction of the bulk load; the job (by uuid, which is also the transaction id)
    holds its progress and rows."""

    # Not a foreign key: the job has its own retention and deletion.
    job_uuid = models.UUIDField(unique=True)
    file_name = models.CharField(max_length=1024)
    file_uuid = models.UUIDField(default=uuid.uuid4)
    submitted_on = models.DateTimeField(default=timezone.now, db_index=True)
    # When a scheduled load runs (UTC), and the offset from UTC it was given in (minutes).
    execute_at = models.DateTimeField(null=True, blank=True)
    execute_timezone = models.IntegerField(null=True, blank=True)
    canceled_on = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_on", "-pk"]

    def __str__(self) -> str:
        return f"bulk load of {self.file_name} ({self.job_uuid})"

    @property
    def name(self) -> str:
        """The schedule's name for it: `<file name> -- <submitted time>`."""
        return f"{self.file_name} -- {self.submitted_on.isoformat()}"
