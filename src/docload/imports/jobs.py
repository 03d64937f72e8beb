"""The job state machine: create, lease, finish, fail, delete, and what a job shows.

Putting jobs on the task queue (start, resume, requeue) is `imports.scheduling`."""

from __future__ import annotations

import contextlib
import datetime
import secrets
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone

from docload.documents.storage import store_content
from docload.imports.columns import check_headers
from docload.imports.errors import ImportProblem
from docload.imports.models import Job, JobStatus, RollbackStatus, RowResult
from docload.imports.sources import SourceRow
from docload.imports.sources.csv import read_header
from docload.imports.sources.payloads import check_payload
from docload.imports.sources.xlsx import XlsxSource, check_workbook, local_copy

# Sent by the daily retention run (argument `now`) before expired jobs go, so that dialects
# remove their own expired records while the jobs they refer to still exist.
retention_due = Signal()
# Sent when a job ran to its end (`finished`), with `job`: a dialect may start what follows it.
job_finished = Signal()


def lease_time() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.IMPORT_LEASE_SECONDS)


def create_job(dialect: str, **fields: Any) -> Job:
    """A new pending job. For `openzaak`, at most one may be open (`existing-import-started`)."""
    fields.setdefault("batch_size", settings.IMPORT_DOCUMENTEN_BATCH_SIZE)
    try:
        with transaction.atomic():
            return Job.objects.create(dialect=dialect, **fields)
    except IntegrityError as exc:
        raise ImportProblem(
            "existing-import-started", "Another import is already pending or running."
        ) from exc


def store_csv_source(job: Job, chunks: Iterable[bytes]) -> str:
    """Store a metadata CSV for `job` and return its storage key, for `start_job`.

    The key is new for every call, so concurrent attempts never share bytes. Raises ImportProblem
    (`empty-file`, `parse_error`, `missing-import-headers`, or what `chunks` raises), leaving
    nothing stored.
    """
    key, _ = _store_checked(job, chunks, "csv", "")
    return key


def store_source(
    job: Job, chunks: Iterable[bytes], source_format: str, name: str = "the payload"
) -> str:
    """Store a metadata file (`csv`, `xlsx`, or `json`: a JSON payload, called `name` in
    messages) for `job`, record its format on the job, and return its storage key, for
    `start_job`.

    A workbook is checked before any row runs: size (`DOCLOAD_XLSX_MAX_UNCOMPRESSED_BYTES`),
    that it is one (`not-xlsx`), its sheets (`unknown-sheet`) and their headers.
    A payload's shape is checked in one streaming pass (`sources.payloads.check_payload`).
    Nothing stays stored when it is refused.
    """
    key, stored_format = _store_checked(job, chunks, source_format, name)
    if stored_format != job.source_format:
        Job.objects.filter(pk=job.pk).update(source_format=stored_format)
        job.source_format = stored_format
    return key


def _store_checked(
    job: Job, chunks: Iterable[bytes], source_format: str, name: str
) -> tuple[str, str]:
    """Store and check a metadata file under a new key of the job: (key, its format as the job
    records it, `json:<import_type>` for a payload). Nothing stays stored when it is refused."""
    if source_format not in ("csv", "xlsx", "json"):
        raise ImportProblem("metadata-format-not-supported", f"Unknown format {source_format!r}.")
    key = f"imports/{job.uuid}/metadata-{secrets.token_hex(4)}.{source_format}"
    try:
        store_content(key, chunks)
        if source_format == "csv":
            with storages["default"].open(key, "rb") as stored:
                check_headers(read_header(stored))
        elif source_format == "xlsx":
            with stored_path(key) as path:
                source = XlsxSource(lambda: contextlib.nullcontext(path))
                check_workbook(source, path, settings.DOCLOAD_XLSX_MAX_UNCOMPRESSED_BYTES)
        else:
            import_type = check_payload(name, lambda: storages["default"].open(key, "rb"))
            source_format = f"json:{import_type}"
    except BaseException:
        storages["default"].delete(key)
        raise
    return key, source_format


def replace_source(job: Job, chunks: Iterable[bytes], name: str = "the payload") -> None:
    """Give a stopped job (status error) a fixed source of the same format, to resume with:
    the rows it committed stay, the rest are read from the new one."""
    if job.status != JobStatus.ERROR:
        raise ImportProblem("invalid-status", "Only an import that stopped can get a new source.")
    old_key = job.source_key
    key, stored_format = _store_checked(job, chunks, job.source_format.partition(":")[0], name)
    if stored_format != job.source_format:
        storages["default"].delete(key)
        raise ImportProblem(
            "source-format-changed",
            f"{name} is {stored_format}, not {job.source_format} as the import's source was.",
        )
    Job.objects.filter(pk=job.pk).update(source_key=key)
    job.source_key = key
    transaction.on_commit(lambda: storages["default"].delete(old_key))


@contextlib.contextmanager
def stored_path(key: str) -> Iterator[str]:
    """A local path to the stored file: its own when storage has paths, else a temporary copy."""
    storage = storages["default"]
    try:
        path = storage.path(key)
    except NotImplementedError:
        with local_copy(lambda: storage.open(key, "rb")) as copy:
            yield copy
        return
    yield path


def cancel_job(job: Job, comment: str) -> None:
    """Stop an active job for good (`invalid-status` when it is not active).

    Its worker loses the lease: the batch in flight rolls back, committed rows stay.
    """
    with transaction.atomic():
        stopped = Job.objects.filter(pk=job.pk, status=JobStatus.ACTIVE).update(
            status=JobStatus.ERROR,
            comment=comment,
            finished_on=timezone.now(),
            lease_owner="",
            lease_expires=None,
        )
    if not stopped:
        raise ImportProblem("invalid-status", "Only a scheduled or running import can stop.")
    job.refresh_from_db()


def acquire_lease(job_uuid: uuid.UUID, worker_id: str) -> Job | None:
    """Take the job for this worker when it is active and nobody holds a live lease."""
    now = timezone.now()
    taken = (
        Job.objects.filter(uuid=job_uuid, status=JobStatus.ACTIVE)
        .filter(Q(lease_owner="") | Q(lease_expires__isnull=True) | Q(lease_expires__lt=now))
        .filter(Q(run_after__isnull=True) | Q(run_after__lte=now))
        .update(lease_owner=worker_id, lease_expires=now + lease_time())
    )
    if not taken:
        return None
    job = Job.objects.get(uuid=job_uuid)
    if job.started_on is None:
        Job.objects.filter(pk=job.pk).update(started_on=now)
        job.started_on = now
    return job


def renew_lease(job: Job, worker_id: str) -> bool:
    """Extend this worker's lease by a lease time; False when it no longer holds it."""
    return bool(
        Job.objects.filter(pk=job.pk, status=JobStatus.ACTIVE, lease_owner=worker_id).update(
            lease_expires=timezone.now() + lease_time()
        )
    )


def release_lease(job: Job, worker_id: str) -> None:
    """Hand the job back, still active: the next sweep (`requeue_stalled_jobs`) queues it."""
    Job.objects.filter(pk=job.pk, status=JobStatus.ACTIVE, lease_owner=worker_id).update(
        lease_owner="", lease_expires=timezone.now()
    )


def finish_job(job: Job, worker_id: str | None) -> None:
    """Mark the job finished, if this worker holds it (None: a job in parts, which no worker
    holds, while it is still active)."""
    held = Q(lease_owner=worker_id) if worker_id is not None else Q(status=JobStatus.ACTIVE)
    finished = Job.objects.filter(held, pk=job.pk).update(
        status=JobStatus.FINISHED, finished_on=timezone.now(), lease_owner="", lease_expires=None
    )
    if finished:
        job.status = JobStatus.FINISHED
        job_finished.send(sender=Job, job=job)


def fail_job(job: Job, comment: str, unfinished_rows: Sequence[SourceRow] = ()) -> None:
    """Stop the job with status `error`, commenting on rows that were not committed."""
    stopped = timezone.now()
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.ERROR,
            comment=comment,
            finished_on=stopped,
            lease_owner="",
            lease_expires=None,
        )
        RowResult.objects.bulk_create(
            [
                RowResult(
                    job=job,
                    row_number=row.number,
                    place=row.place,
                    imported=False,
                    comment=f"Not imported: the import stopped: {comment}",
                    recorded_on=stopped,
                )
                for row in unfinished_rows
            ],
            ignore_conflicts=True,
        )


def delete_job(job: Job) -> None:
    """Remove the job, its rows and its stored source (never the imported documents)."""
    if job.status == JobStatus.ACTIVE:
        raise ImportProblem("import-invalid-status", "An active import cannot be deleted.")
    if job.rollback == RollbackStatus.ROLLING_BACK:
        raise ImportProblem(
            "import-invalid-status", "An import cannot be deleted while it is rolled back."
        )
    key = job.source_key
    job.delete()
    if key:
        transaction.on_commit(lambda: storages["default"].delete(key))


def delete_expired_jobs(now: datetime.datetime | None = None) -> int:
    """Daily retention: delete finished/error jobs by finish time, pending ones by creation.

    Receivers of `retention_due` clean up their own records first.
    """
    now = now or timezone.now()
    retention_due.send(sender=Job, now=now)
    count = 0
    for job in expired_jobs(now).iterator():
        with transaction.atomic():
            delete_job(job)
        count += 1
    return count


def expired_jobs(now: datetime.datetime) -> QuerySet[Job]:
    """The jobs retention deletes: finished/error ones by finish time, pending by creation."""
    cutoff = now - datetime.timedelta(days=settings.IMPORT_RETENTION_DAYS)
    return Job.objects.filter(
        Q(status__in=[JobStatus.FINISHED, JobStatus.ERROR], finished_on__lt=cutoff)
        | Q(status=JobStatus.PENDING, created_on__lt=cutoff)
    ).exclude(rollback=RollbackStatus.ROLLING_BACK)


def is_stalled(job: Job, now: datetime.datetime | None = None) -> bool:
    """Active, but no worker holds it: its worker died or stopped, or none was ever running."""
    return (
        job.status == JobStatus.ACTIVE
        and job.lease_expires is not None
        and job.lease_expires < (now or timezone.now())
    )


def job_status(job: Job, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Counters, times, rate and ETA of a job, and whether it is stalled (then without ETA)."""
    now = now or timezone.now()
    rate = None
    eta = None
    stalled = is_stalled(job, now)
    if job.started_on and job.processed:
        elapsed = ((job.finished_on or now) - job.started_on).total_seconds()
        rate = round(job.processed / elapsed, 1) if elapsed > 0 else None
        if rate and job.total is not None and job.status == JobStatus.ACTIVE and not stalled:
            eta = round(max(job.total - job.processed, 0) / rate, 1)
    return {
        "total": job.total or 0,
        "processed": job.processed,
        "processedSuccessfully": job.succeeded,
        "processedInvalid": job.invalid,
        "status": job.status,
        "createdOn": job.created_on,
        "startedOn": job.started_on,
        "finishedOn": job.finished_on,
        "rowsPerSecond": rate,
        "etaSeconds": eta,
        "stalled": stalled,
        "comment": job.comment,
        "dryRun": job.dry_run,
        "rollback": job.rollback or None,
        "rolledBackOn": job.rolled_back_on,
    }
