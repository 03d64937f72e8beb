"""Committing a batch, the unit of work: its documents, their audit trail entries, zaak links, row
results and the job's counters in one transaction, which also renews the worker's lease on the
job."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from docload.documents.constants import ObjectType
from docload.documents.identifiers import allocate_identificaties
from docload.documents.models import EnkelvoudigInformatieObject, ObjectInformatieObject
from docload.documents.storage import delete_content
from docload.imports.auditing import insert_entries
from docload.imports.batch import Batch, JobContext, Row
from docload.imports.inserting import Inserter
from docload.imports.models import Job, JobPart, RowResult
from docload.imports.sources import SourceRow
from docload.imports.uniqueness import look_up_taken, mark_duplicates


class LeaseLost(Exception):
    """Another worker took the job over; this one must stop without writing."""


_documents = Inserter(EnkelvoudigInformatieObject)
_results = Inserter(RowResult)


def commit_batch(context: JobContext, batch: Batch) -> bool:
    """Write the batch's documents, links, results and counters in one transaction.

    A constraint violation fails the whole batch (its rows are recorded as not imported, its
    content removed) and returns False; the import goes on. Unless a uuid or identificatie was
    taken meanwhile (by another part of the job, or through the API): then those rows are
    duplicates, and the rest of the batch is written again.
    """
    job = context.job
    if job.dry_run:
        _record_prepared(context, batch)
        return True
    try:
        _write(context, batch)
    except IntegrityError as exc:
        if _taken_meanwhile(context, batch):
            return commit_batch(context, batch)
        delete_content(batch.content_keys())
        for row in batch.rows:
            row.content = None
        record_not_imported(context, batch.source_rows, f"Batch not imported: {exc}")
        return False
    return True


def _write(context: JobContext, batch: Batch) -> None:
    job = context.job
    valid = batch.valid_rows()
    without_id = [row for row in valid if not row.cleaned.get("identificatie")]
    try:
        with transaction.atomic():
            generated = allocate_identificaties(len(without_id), timezone.now().year)
            for row, identificatie in zip(without_id, generated, strict=True):
                row.cleaned["identificatie"] = identificatie
            _documents.insert(_document_values(job, row) for row in valid)
            if settings.DOCLOAD_IMPORT_AUDIT:
                insert_entries(job, valid)
            _link_zaken(valid)
            if batch.flushed is not None:
                batch.flushed.result()  # the content is on disk before its rows commit
            record_results(context, _row_results(job, batch))
    except BaseException:
        for row in without_id:  # rolled back with the transaction: generated again next time
            row.cleaned.pop("identificatie", None)
        raise


def _taken_meanwhile(context: JobContext, batch: Batch) -> bool:
    """Ask the database again which of the batch's uuids and identificaties are taken; True when
    rows that were valid turned out duplicates (their content is then removed)."""
    valid = batch.valid_rows()
    look_up_taken(context, batch)
    mark_duplicates(batch, None)
    duplicates = [row for row in valid if not row.valid]
    if duplicates and batch.flushed is not None:
        batch.flushed.result()  # flushing their content, too
    delete_content(row.content.key for row in duplicates if row.content is not None)
    for row in duplicates:
        row.content = None
    return bool(duplicates)


def _record_prepared(context: JobContext, batch: Batch) -> None:
    """A dry run's batch: only its row results; its content copies, made to check the files,
    are removed once the results are committed."""
    with transaction.atomic():
        record_results(context, _row_results(context.job, batch))
    delete_content(batch.content_keys())
    for row in batch.valid_rows():
        context.prepared_uuids.add(row.document_uuid)
        if row.pair[1]:
            context.prepared_pairs.add(row.pair)


def _row_results(job: Job, batch: Batch) -> list[dict[str, Any]]:
    return [
        {
            "job_id": job.pk,
            "row_number": row.source.number,
            "place": row.source.place,
            "imported": row.valid,
            "comment": row.comment or row.content_note,
            "document_uuid": row.document_uuid if row.valid else None,
            # Empty in a dry run for rows whose identificatie a real run would generate.
            "identificatie": row.cleaned.get("identificatie", "") if row.valid else "",
        }
        for row in batch.rows
    ]


def _document_values(job: Job, row: Row) -> dict[str, Any]:
    values = {
        **row.cleaned,
        "uuid": row.document_uuid,
        "import_job_id": job.pk,
        "informatieobjecttype_id": row.cleaned["informatieobjecttype"].pk,
    }
    del values["informatieobjecttype"]
    if row.content is not None:
        values["content_key"] = row.content.key
        values["bestandsomvang"] = row.content.size
    return values


def _link_zaken(rows: list[Row]) -> None:
    linked = [row for row in rows if row.input.zaak_uuid]
    if not linked:
        return
    stored = dict(
        EnkelvoudigInformatieObject.objects.filter(
            uuid__in=[row.document_uuid for row in linked]
        ).values_list("uuid", "pk")
    )
    ObjectInformatieObject.objects.bulk_create(
        ObjectInformatieObject(
            informatieobject_id=stored[row.document_uuid],
            object=f"{settings.ZAKEN_API_ROOT}zaken/{row.input.zaak_uuid}",
            object_type=ObjectType.ZAAK,
        )
        for row in linked
    )


def record_results(context: JobContext, results: list[dict[str, Any]]) -> None:
    """Store row results ({RowResult attname: value}) and add them to the job's counters (and its
    part's), renewing the worker's lease.

    Must run inside the batch's transaction. Raises LeaseLost when another worker has the job or
    part, or when the job in parts stopped.
    """
    job, part, worker_id = context.job, context.part, context.worker_id
    now = timezone.now()
    for result in results:  # the batch's time on each, without copying a million dicts
        result["recorded_on"] = now
    _results.insert(results)
    succeeded = sum(1 for result in results if result["imported"])
    counts = {
        "processed": F("processed") + len(results),
        "succeeded": F("succeeded") + succeeded,
        "invalid": F("invalid") + len(results) - succeeded,
    }
    lease_expires = now + datetime.timedelta(seconds=settings.IMPORT_LEASE_SECONDS)
    if part is None:
        held_job = Job.objects.filter(pk=job.pk, lease_owner=worker_id)
        updated = held_job.update(**counts, lease_expires=lease_expires)
    else:
        held = JobPart.objects.filter(pk=part.pk, lease_owner=worker_id, job__status="active")
        updated = held.update(processed=counts["processed"], lease_expires=lease_expires)
        if updated:
            # The job's row last: concurrent parts wait for its lock only until they commit.
            Job.objects.filter(pk=job.pk).update(**counts)
    if not updated:
        raise LeaseLost(f"{worker_id} no longer holds the lease on {part or job.uuid}")


def record_not_imported(context: JobContext, source_rows: list[SourceRow], comment: str) -> None:
    """Record the rows as not imported, all with `comment`, in a transaction of their own."""
    with transaction.atomic():
        record_results(
            context,
            [
                {
                    "job_id": context.job.pk,
                    "row_number": row.number,
                    "place": row.place,
                    "imported": False,
                    "comment": comment,
                }
                for row in source_rows
            ],
        )
