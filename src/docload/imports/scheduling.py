"""Jobs onto the task queue: start a pending job, resume a failed one, requeue stalled ones.

Apart from `imports.jobs` so that the state machine never imports the tasks that run it.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from docload.imports.errors import ImportProblem
from docload.imports.jobs import is_stalled, lease_time
from docload.imports.models import Job, JobStatus, RollbackStatus, RowResult
from docload.imports.parts import reset_parts, stalled_parts
from docload.imports.rollback import request_rollback
from docload.imports.tasks import enqueue_job, enqueue_part, enqueue_rollback


def start_job(
    job: Job,
    source_key: str,
    content_source: dict[str, Any],
    *,
    enqueue: bool = True,
    dry_run: bool = False,
) -> None:
    """Move a pending job to active with its stored source, and enqueue it after the commit.

    A job with `run_after` is enqueued to run then (the task waits in the database, so it
    survives restarts); until then no sweep takes it for stalled. `enqueue=False` is for a
    caller that runs the job itself (the `docload import` command). A `dry_run` checks every
    row as for real and keeps nothing but the row results (`Job.dry_run`).
    """
    updated = Job.objects.filter(pk=job.pk, status=JobStatus.PENDING).update(
        status=JobStatus.ACTIVE,
        source_key=source_key,
        content_source=content_source,
        dry_run=dry_run,
        lease_owner="",
        lease_expires=_unclaimed_until(job.run_after),
    )
    if not updated:
        raise ImportProblem("invalid-status", "The import is not pending.")
    job.refresh_from_db()
    if enqueue:
        transaction.on_commit(lambda: enqueue_job(job.uuid, job.run_after))


def resume_job(job: Job) -> None:
    """Continue a job after its last committed batch: one that stopped with `error`, or a
    stalled one (`is_stalled`: its worker's lease ran out), which any worker then takes over."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.rollback:
            raise ImportProblem("invalid-status", "A rolled back import cannot resume.")
        if job.status != JobStatus.ERROR and not is_stalled(job):
            raise ImportProblem(
                "invalid-status",
                "Only an import with status error, or a stalled one, can resume.",
            )
        # Comments on rows of the failed batch go; those rows are done again.
        if not reset_parts(job):
            RowResult.objects.filter(job=job, row_number__gt=job.processed + 1).delete()
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.ACTIVE,
            comment="",
            finished_on=None,
            lease_owner="",
            lease_expires=_unclaimed_until(),
        )
        transaction.on_commit(lambda: enqueue_job(job.uuid))


def _unclaimed_until(run_after: datetime.datetime | None = None) -> datetime.datetime:
    """An unowned lease on a queued job: if no worker has taken it by then (its task was lost
    with a worker that died before taking the lease), the sweep queues it again."""
    now = timezone.now()
    return max(now, run_after or now) + lease_time()


def roll_back_job(job: Job) -> bool:
    """Ask for the job's rollback and queue it once committed; False when it was rolled back
    already (`rollback.request_rollback`)."""
    with transaction.atomic():
        asked = request_rollback(job)
        if asked:
            transaction.on_commit(lambda: enqueue_rollback(job.uuid))
    return asked


def requeue_stalled_jobs() -> list[uuid.UUID]:
    """Enqueue active jobs, parts of jobs (not in the list returned) and rollbacks whose worker
    died (lease ran out) or that were never picked up."""
    now = timezone.now()
    stalled = Job.objects.filter(
        Q(status=JobStatus.ACTIVE) | Q(rollback=RollbackStatus.ROLLING_BACK), lease_expires__lt=now
    ).values_list("uuid", "rollback")
    requeued = []
    for job_uuid, rollback in list(stalled):
        # Reserve the job for one lease period, so other sweepers do not queue it again.
        if Job.objects.filter(uuid=job_uuid, lease_expires__lt=now).update(
            lease_owner="", lease_expires=now + lease_time()
        ):
            (enqueue_rollback if rollback else enqueue_job)(job_uuid)
            requeued.append(job_uuid)
    for part_pk in stalled_parts():
        enqueue_part(part_pk)
    return requeued
