"""Running a job: take its lease, count its rows, write its batches, finish or fail."""

from __future__ import annotations

import contextlib
import csv
import errno
import functools
import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from itertools import groupby

from django.core.files.storage import storages
from django.db import DatabaseError, connection

from docload.imports.columns import flat_row_input
from docload.imports.committing import record_not_imported
from docload.imports.content import resolver_for
from docload.imports.copiers import copier_for
from docload.imports.errors import ImportProblem
from docload.imports.jobs import (
    acquire_lease,
    fail_job,
    finish_job,
    release_lease,
    renew_lease,
    stored_path,
)
from docload.imports.lease import heartbeat, stop_requested
from docload.imports.lookups import LookupFailed, resolve_lookups
from docload.imports.models import Job, JobPart
from docload.imports.parts import (
    acquire_part,
    finish_part,
    part_rows,
    plan_parts,
    queue_parts,
    release_part,
    renew_part,
)
from docload.imports.prepared import PreparedRecords, prepared_records
from docload.imports.records import RECORD_SHEETS, write_records
from docload.imports.sources import Source, SourceRow, batches
from docload.imports.sources.csv import CsvSource
from docload.imports.sources.payloads import PayloadSource, document_input
from docload.imports.sources.xlsx import XlsxSource
from docload.imports.updates import is_update, write_updates
from docload.imports.writer import BatchWriter, JobContext, LeaseLost

logger = logging.getLogger(__name__)
_FAIL_ATTEMPTS = 10


def source_for(job: Job) -> Source:
    """The job's metadata source, opened from storage for each pass."""
    source_format, _, import_type = job.source_format.partition(":")
    if source_format == "csv":
        return CsvSource(lambda: storages["default"].open(job.source_key, "rb"))
    if source_format == "xlsx":
        return XlsxSource(lambda: stored_path(job.source_key))
    if source_format == "json":
        name = job.source_key.rsplit("/", 1)[-1]
        return PayloadSource(
            name, import_type, lambda: storages["default"].open(job.source_key, "rb")
        )
    raise ValueError(f"Unknown source format {job.source_format!r}")


def _is_payload(job: Job) -> bool:
    return job.source_format.startswith("json:")


def run_job(job_uuid: uuid.UUID, worker_id: str, in_parts: bool = True) -> list[int]:
    """Run the job to its end, unless another worker holds it.

    Resumes after the last committed batch: the job's `processed` counter and its row results
    commit together, so it says exactly how many leading rows are done. When `stop_requested`
    is set, stops after the batches in flight commit and releases the lease, the job still
    active, so that the next worker continues it at once.

    A large CSV on PostgreSQL is split into parts (`imports.parts`) unless not `in_parts`:
    returns the parts for the caller to queue, each for `run_part`.
    """
    job = acquire_lease(job_uuid, worker_id)
    if job is None:
        return []
    source = source_for(job)
    if job.total is None:
        try:
            if in_parts:
                plan_parts(job, source)
            else:
                job.total = source.count()
                Job.objects.filter(pk=job.pk).update(total=job.total)
        except Exception as exc:
            _fail(job, _fault(job, exc), None)
            return []
    if job.parts.exists():
        return queue_parts(job, worker_id)
    _write_rows(job, worker_id, source.rows(job.processed))
    return []


def run_part(part_pk: int, worker_id: str) -> None:
    """Write one part of a job in parts, unless another worker holds it; as `run_job` does."""
    part = acquire_part(part_pk, worker_id)
    if part is None:
        return
    source = source_for(part.job)
    assert isinstance(source, CsvSource)  # only CSV imports are split
    _write_rows(part.job, worker_id, part_rows(source, part), part)


def _write_rows(
    job: Job, worker_id: str, rows: Iterator[SourceRow], part: JobPart | None = None
) -> None:
    """Write the rows, batch by batch, holding the job's lease (or the part's), then finish."""
    writer: BatchWriter | None = None
    stopped = False
    renew = renew_lease if part is None else lambda _job, worker: renew_part(part, worker)
    try:
        with (
            heartbeat(job, worker_id, renew),
            _bulk_writing(),
            copier_for(resolver_for(job.content_source)) as copier,
        ):
            row_input = flat_row_input
            if _is_payload(job):
                with_content = job.content_source.get("kind") != "ignore"
                row_input = functools.partial(document_input, with_content=with_content)
            context = JobContext(job, worker_id, copier, row_input, part)
            prepared = _prepared(context)
            writer = BatchWriter(context)
            for batch in batches(rows, job.batch_size):
                if stopped := stop_requested.is_set():
                    break
                _write(writer, _resolved(writer, batch, prepared) if _is_payload(job) else batch)
            writer.finish()
    except LeaseLost:
        logger.warning("Lost the lease on import %s; another worker continues it", job.uuid)
        return
    except _BatchRefused as refused:
        _fail(job, refused.comment, writer, refused.rows)
        return
    except Exception as exc:
        _fail(job, _fault(job, exc), writer)
        return
    if stopped:
        (release_lease(job, worker_id) if part is None else release_part(part, worker_id))
        logger.info("Import %s stopped on request; the next worker continues it", job.uuid)
        return
    (finish_job(job, worker_id) if part is None else finish_part(part, worker_id))


def _fault(job: Job, exc: Exception) -> str:
    """What stopped the import, for its comment; faults of our own are logged in full."""
    if isinstance(exc, ImportProblem):
        return exc.message
    if isinstance(exc, csv.Error | UnicodeDecodeError):
        return f"The metadata file cannot be read: {exc}"
    if isinstance(exc, DatabaseError):
        return f"Database error: {exc}"
    if isinstance(exc, OSError):
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            logger.exception("Import %s stopped", job.uuid)
        return f"An I/O error stopped the import: {exc}. Resume it once fixed."
    logger.exception("Import %s stopped", job.uuid)
    return f"Unexpected error: {exc!r}"


class _BatchRefused(Exception):
    """A batch that fails whole: the import stops before it, the batches before committed."""

    def __init__(self, comment: str, rows: list[SourceRow]) -> None:
        super().__init__(comment)
        self.comment, self.rows = comment, rows


def _prepared(context: JobContext) -> PreparedRecords | None:
    """For a dry run that follows others: what they would have created, known to its checks."""
    job = context.job
    if not (job.dry_run and job.follows):
        return None
    earlier = Job.objects.filter(uuid__in=job.follows)
    prepared = prepared_records((other, source_for(other)) for other in earlier)
    context.document_types.prepared.update(prepared.types)
    context.prepared_uuids |= prepared.documents
    return prepared


def _resolved(
    writer: BatchWriter, batch: list[SourceRow], prepared: PreparedRecords | None
) -> list[SourceRow]:
    """The batch with its lookups resolved. A failed lookup fails the whole batch and stops the
    import there (to resume from that batch once the payload is fixed), as in the original."""
    try:
        return resolve_lookups(batch, prepared.lookups if prepared else None)
    except LookupFailed as failed:
        writer.finish()
        comment = f"{failed.code}: {failed.message} (key {failed.key}, value {failed.value!r})"
        raise _BatchRefused(comment, batch) from failed


def _write(writer: BatchWriter, batch: list[SourceRow]) -> None:
    """Write the batch: new documents through the writer; types, links and updates each alone,
    once the documents before them have committed."""
    for way, rows in groupby(batch, key=_way_of):
        if way == "documents":
            _write_documents(writer, list(rows))
            continue
        writer.finish()
        (write_records if way == "records" else write_updates)(writer.context, rows)


def _way_of(row: SourceRow) -> str:
    """How a row is written: new documents in batches, other records and updates one by one."""
    if row.kind in RECORD_SHEETS:
        return "records"
    return "updates" if is_update(row) else "documents"


def _write_documents(writer: BatchWriter, batch: list[SourceRow]) -> None:
    """A row the source could not read is recorded as not imported, with the source's reason,
    once every row before it has committed (the job's `processed` counter keeps counting
    leading rows)."""
    start = 0
    for index, row in enumerate(batch):
        if not row.problem:
            continue
        if start < index:
            writer.write(batch[start:index])
        writer.finish()
        record_not_imported(writer.context, [row], row.problem)
        start = index + 1
    if start < len(batch):
        writer.write(batch[start:] if start else batch)


@contextlib.contextmanager
def _bulk_writing() -> Iterator[None]:
    """On SQLite, let the job's connection checkpoint its write-ahead log less often and cache
    more pages while it runs.

    Each batch inserts its uuids at random places of the uuid index; checkpointing every 1000
    pages (the default) writes those pages back to the database file over and over. With a
    million documents registered this made imports 17% slower than into an empty registry; with
    these settings 6-11% (bench/import_throughput.py --existing 1000000).
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        previous = [
            (pragma, cursor.execute(f"PRAGMA {pragma}").fetchone()[0])
            for pragma, _ in _BULK_PRAGMAS
        ]
        for pragma, value in _BULK_PRAGMAS:
            cursor.execute(f"PRAGMA {pragma} = {value}")
    try:
        yield
    finally:
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            for pragma, value in previous:
                cursor.execute(f"PRAGMA {pragma} = {value}")


# Pages in the log before a checkpoint (40 MB), and the page cache in KiB (SQLite: negative).
_BULK_PRAGMAS = (("wal_autocheckpoint", 10000), ("cache_size", -65536))


def _fail(
    job: Job, comment: str, writer: BatchWriter | None, unwritten: Sequence[SourceRow] = ()
) -> None:
    """Record the fault, waiting for the database to come back for a little while.

    Nothing of the batches that did not commit remains (`discard` waits for their copies
    first); their rows get the comment. If the
    database does not come back, the job keeps its lease until that runs out; a worker then
    takes it over.
    """
    unfinished = (writer.discard() if writer is not None else []) + list(unwritten)
    for attempt in range(_FAIL_ATTEMPTS):
        try:
            connection.close()
            fail_job(job, comment, unfinished)
            return
        except DatabaseError:
            time.sleep(min(2**attempt * 0.1, 5))
    logger.error("Could not record the failure of import %s: %s", job.uuid, comment)
