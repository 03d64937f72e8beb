"""One import, many workers: on PostgreSQL a large CSV import is written in parts.

The first worker to run the job reads the CSV once (`CsvSource.index`), counting its records and
noting a checkpoint every `DOCLOAD_IMPORT_PART_ROWS` records, and creates one `JobPart` per range
of rows. Each part is then a task of its own on the task queue, which any worker on any machine
takes: the queue is the distribution engine (django-tasks-db claims tasks with SKIP LOCKED on
PostgreSQL). A part has a lease as a job in one piece has: its batches commit with its counters,
so a worker that dies loses only the batches in flight of its part, which the next worker
continues once the lease runs out. The last part to finish finishes the job.

SQLite has one writer at a time, so there an import always runs in one piece, on one worker.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from docload.imports.jobs import finish_job, lease_time
from docload.imports.models import Job, JobPart, JobStatus, RowResult
from docload.imports.sources import Source, SourceRow
from docload.imports.sources.csv import Checkpoint, CsvSource

logger = logging.getLogger(__name__)


def _one_writer_at_a_time() -> bool:
    return connection.vendor == "sqlite"


def plan_parts(job: Job, source: Source) -> None:
    """Count the job's rows (its `total`) and, for a large CSV on PostgreSQL, split them into
    parts, which the job's own lease then leaves to (`queue_parts`)."""
    every = settings.DOCLOAD_IMPORT_PART_ROWS
    splits = (
        isinstance(source, CsvSource)
        and every > 0
        and not job.dry_run  # its checks remember the rows before (`JobContext.prepared_*`)
        and not _one_writer_at_a_time()
    )
    if not splits:
        if _one_writer_at_a_time():
            logger.info("Import %s runs on one worker: SQLite has one writer at a time", job.uuid)
        job.total = source.count()
        Job.objects.filter(pk=job.pk).update(total=job.total)
        return
    assert isinstance(source, CsvSource)
    total, checkpoints = source.index(every)
    boundaries = [point for point in checkpoints if point.records < total]
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(total=total)
        job.total = total
        if not boundaries:
            return
        starts: list[Checkpoint | None] = [None, *boundaries]
        ends = [point.records for point in boundaries] + [total]
        JobPart.objects.bulk_create(
            JobPart(
                job=job,
                number=number,
                first_row=start.records if start else 0,
                rows=end - (start.records if start else 0),
                checkpoint=_stored(start),
                lease_expires=timezone.now() + lease_time(),  # queued, not taken yet
            )
            for number, (start, end) in enumerate(zip(starts, ends, strict=True))
        )
    logger.info("Import %s: %d rows in %d parts", job.uuid, total, len(starts))


def queue_parts(job: Job, worker_id: str) -> list[int]:
    """The parts of a job in parts that no worker holds, to queue; the job's own lease goes."""
    now = timezone.now()
    with transaction.atomic():
        free = list(
            JobPart.objects.filter(job=job, done=False)
            .filter(Q(lease_owner="") | Q(lease_expires__isnull=True) | Q(lease_expires__lt=now))
            .values_list("pk", flat=True)
        )
        JobPart.objects.filter(pk__in=free).update(lease_owner="", lease_expires=now + lease_time())
        # Neither taken nor stalled: the sweep leaves a job in parts to its parts' leases.
        Job.objects.filter(pk=job.pk, lease_owner=worker_id).update(
            lease_owner="", lease_expires=None
        )
    return free


def acquire_part(part_pk: int, worker_id: str) -> JobPart | None:
    """Take the part for this worker when its job is active and nobody holds a live lease."""
    now = timezone.now()
    taken = (
        JobPart.objects.filter(pk=part_pk, done=False, job__status=JobStatus.ACTIVE)
        .filter(Q(lease_owner="") | Q(lease_expires__isnull=True) | Q(lease_expires__lt=now))
        .update(lease_owner=worker_id, lease_expires=now + lease_time())
    )
    if not taken:
        return None
    return JobPart.objects.select_related("job").get(pk=part_pk)


def renew_part(part: JobPart, worker_id: str) -> bool:
    """Extend this worker's lease on the part; False when it no longer holds it."""
    return bool(
        JobPart.objects.filter(
            pk=part.pk, lease_owner=worker_id, job__status=JobStatus.ACTIVE
        ).update(lease_expires=timezone.now() + lease_time())
    )


def release_part(part: JobPart, worker_id: str) -> None:
    """Hand the part back: the next sweep (`stalled_parts`) queues it again."""
    JobPart.objects.filter(pk=part.pk, lease_owner=worker_id).update(
        lease_owner="", lease_expires=timezone.now()
    )


def finish_part(part: JobPart, worker_id: str) -> None:
    """Mark the part written; the last part of the job finishes the job."""
    job = part.job
    with transaction.atomic():
        # The job's row first, so that of two parts ending at once one sees the other done.
        Job.objects.select_for_update().filter(pk=job.pk).first()
        if not JobPart.objects.filter(pk=part.pk, lease_owner=worker_id).update(
            done=True, lease_owner="", lease_expires=None
        ):
            return  # taken over: its new owner finishes it
        last = not JobPart.objects.filter(job=job, done=False).exists()
    if last:
        finish_job(job, worker_id=None)


def part_rows(source: CsvSource, part: JobPart) -> Iterator[SourceRow]:
    """The part's rows after its committed ones, read from its checkpoint."""
    start = part.first_row + part.processed
    return islice(source.rows(start, at=_checkpoint(part)), part.rows - part.processed)


def reset_parts(job: Job) -> bool:
    """For resume: drop the results of the parts' uncommitted rows (a failed batch's comments)
    and free their leases; False when the job is in one piece."""
    parts = list(JobPart.objects.filter(job=job, done=False))
    if not parts and not JobPart.objects.filter(job=job).exists():
        return False
    for part in parts:
        RowResult.objects.filter(
            job=job,
            row_number__gt=part.first_row + part.processed + 1,
            row_number__lte=part.first_row + part.rows + 1,
        ).delete()
    JobPart.objects.filter(job=job, done=False).update(lease_owner="", lease_expires=None)
    return True


def stalled_parts() -> list[int]:
    """Parts of active jobs whose worker died (lease ran out) or that were never taken,
    reserved for one lease time so that other sweepers do not queue them too."""
    now = timezone.now()
    stalled = JobPart.objects.filter(
        done=False, job__status=JobStatus.ACTIVE, lease_expires__lt=now
    ).values_list("pk", flat=True)
    return [
        pk
        for pk in list(stalled)
        if JobPart.objects.filter(pk=pk, lease_expires__lt=now).update(
            lease_owner="", lease_expires=now + lease_time()
        )
    ]


def _stored(point: Checkpoint | None) -> dict[str, Any]:
    if point is None:
        return {}
    return {"line": point.line, "position": str(point.position), "delimiter": point.delimiter}


def _checkpoint(part: JobPart) -> Checkpoint | None:
    stored = part.checkpoint
    if not stored:
        return None
    return Checkpoint(part.first_row, stored["line"], int(stored["position"]), stored["delimiter"])
