"""The batch writer: one batch of rows is the unit of work.

Rows are validated with the registry's own rules, checked for uniqueness with set-based queries,
their content copied (in a few threads, hashed in the same pass) under keys unique to each
document, and then documents, links, row results and job counters commit in one transaction.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from docload.documents.constants import ObjectType
from docload.documents.models import EnkelvoudigInformatieObject, ObjectInformatieObject
from docload.documents.storage import (
    StoredContent,
    content_key,
    delete_content,
    iter_chunks,
    make_durable,
    store_content,
)
from docload.documents.validation import (
    DocumentTypes,
    FieldError,
    allocate_identificaties,
    existing_uuids,
    taken_identificaties,
    validate_document,
)
from docload.imports.columns import RowInput
from docload.imports.content import ContentResolver
from docload.imports.errors import ContentError
from docload.imports.models import Job, RowResult
from docload.imports.sources import SourceRow


class LeaseLost(Exception):
    """Another worker took the job over; this one must stop without writing."""


@dataclass
class JobContext:
    """What a worker needs to write a job's batches, built once per run."""

    job: Job
    worker_id: str
    resolver: ContentResolver
    row_input: Callable[[dict[str, Any]], RowInput]
    executor: Executor
    document_types: DocumentTypes = field(default_factory=DocumentTypes)


@dataclass
class _Row:
    source: SourceRow
    input: RowInput
    document_uuid: uuid.UUID
    cleaned: dict[str, Any] = field(default_factory=dict)
    comment: str = ""
    content: StoredContent | None = None

    @property
    def valid(self) -> bool:
        return not self.comment


def _describe(errors: Iterable[FieldError]) -> str:
    return "; ".join(f"{error.name}: {error.reason} [{error.code}]" for error in errors)


def _prepare(context: JobContext, source: SourceRow) -> _Row:
    row_input = context.row_input(source.values)
    # Generated uuids are deterministic, so a batch redone after a crash writes the same keys.
    row = _Row(source, row_input, uuid.uuid5(context.job.uuid, str(source.number)))
    if row.input.uuid:
        try:
            row.document_uuid = uuid.UUID(row.input.uuid)
        except ValueError:
            row.comment = f"uuid: {row.input.uuid!r} is not a valid UUID."
            return row
    if row.input.zaak_uuid:
        try:
            uuid.UUID(row.input.zaak_uuid)
        except ValueError:
            row.comment = f"zaakUuid: {row.input.zaak_uuid!r} is not a valid UUID."
            return row
    row.cleaned, errors = validate_document(row.input.document, context.document_types)
    row.comment = _describe(errors)
    return row


def _check_uniqueness(rows: list[_Row]) -> None:
    valid = [row for row in rows if row.valid]
    taken_uuids = existing_uuids({row.document_uuid for row in valid})
    pairs = {
        (row.cleaned["bronorganisatie"], row.cleaned["identificatie"])
        for row in valid
        if row.cleaned.get("identificatie")
    }
    taken_pairs = taken_identificaties(pairs)
    seen_uuids: set[uuid.UUID] = set()
    seen_pairs: set[tuple[str, str]] = set()
    for row in valid:
        pair = (row.cleaned["bronorganisatie"], row.cleaned.get("identificatie", ""))
        if row.document_uuid in taken_uuids:
            row.comment = f"uuid: a document with uuid {row.document_uuid} already exists."
        elif row.document_uuid in seen_uuids:
            row.comment = f"uuid: {row.document_uuid} occurs earlier in this file."
        elif pair in taken_pairs:
            row.comment = f"identificatie: {pair[1]!r} is already used by {pair[0]}."
        elif pair[1] and pair in seen_pairs:
            row.comment = f"identificatie: {pair[1]!r} occurs earlier in this file."
        seen_uuids.add(row.document_uuid)
        if pair[1]:
            seen_pairs.add(pair)


def _copy_content(context: JobContext, row: _Row) -> None:
    """Copy one row's content, checking size and digest; record a comment on failure."""
    reference = row.input.content_reference
    if not reference:
        return
    algorithm = row.cleaned.get("integriteit_algoritme", "")
    expected_digest = row.cleaned.get("integriteit_waarde", "")
    try:
        opened = context.resolver.open(reference)
    except ContentError as exc:
        row.comment = f"bestandspad: {exc}"
        return
    with opened.stream:
        expected_size = row.cleaned.get("bestandsomvang")
        if expected_size is not None and expected_size != opened.size:
            row.comment = (
                f"bestandsomvang: {expected_size} differs from the file's size {opened.size}."
            )
            return
        key = content_key(row.document_uuid, context.job.uuid.hex)
        row.content = store_content(
            key, iter_chunks(opened.stream), [algorithm] if algorithm else ()
        )
    actual = row.content.digests.get(algorithm)
    if actual is not None and expected_digest and actual.lower() != expected_digest.lower():
        row.comment = (
            f"integriteit.waarde: the file's {algorithm} digest is {actual}, "
            f"the row says {expected_digest}."
        )


def _document(job: Job, row: _Row) -> EnkelvoudigInformatieObject:
    document = EnkelvoudigInformatieObject(uuid=row.document_uuid, import_job=job, **row.cleaned)
    if row.content is not None:
        document.content_key = row.content.key
        document.bestandsomvang = row.content.size
    return document


def _commit(context: JobContext, rows: list[_Row]) -> None:
    """Write the batch's documents, links, results and counters in one transaction."""
    job = context.job
    valid = [row for row in rows if row.valid]
    documents = [_document(job, row) for row in valid]
    without_id = [document for document in documents if not document.identificatie]
    with transaction.atomic():
        for document, identificatie in zip(
            without_id, allocate_identificaties(len(without_id), timezone.now().year), strict=True
        ):
            document.identificatie = identificatie
        EnkelvoudigInformatieObject.objects.bulk_create(documents)
        by_uuid = {document.uuid: document for document in documents}
        if any(row.input.zaak_uuid for row in valid):
            stored = dict(
                EnkelvoudigInformatieObject.objects.filter(uuid__in=list(by_uuid)).values_list(
                    "uuid", "pk"
                )
            )
            ObjectInformatieObject.objects.bulk_create(
                ObjectInformatieObject(
                    informatieobject_id=stored[row.document_uuid],
                    object=f"{settings.ZAKEN_API_ROOT}zaken/{row.input.zaak_uuid}",
                    object_type=ObjectType.ZAAK,
                )
                for row in valid
                if row.input.zaak_uuid
            )
        record_results(
            job,
            context.worker_id,
            [
                RowResult(
                    job=job,
                    row_number=row.source.number,
                    imported=row.valid,
                    comment=row.comment,
                    document_uuid=row.document_uuid if row.valid else None,
                    identificatie=by_uuid[row.document_uuid].identificatie if row.valid else "",
                )
                for row in rows
            ],
        )


def record_results(job: Job, worker_id: str, results: list[RowResult]) -> None:
    """Store row results and add them to the job's counters, renewing the worker's lease.

    Must run inside the batch's transaction. Raises LeaseLost when another worker has the job.
    """
    RowResult.objects.bulk_create(results)
    succeeded = sum(1 for result in results if result.imported)
    updated = Job.objects.filter(pk=job.pk, lease_owner=worker_id).update(
        processed=F("processed") + len(results),
        succeeded=F("succeeded") + succeeded,
        invalid=F("invalid") + len(results) - succeeded,
        lease_expires=timezone.now() + datetime.timedelta(seconds=settings.IMPORT_LEASE_SECONDS),
    )
    if not updated:
        raise LeaseLost(f"{worker_id} no longer holds the lease on {job.uuid}")


def write_batch(context: JobContext, source_rows: list[SourceRow]) -> None:
    """Import one batch. An invalid row never stops the others.

    A constraint violation fails the whole batch (its rows are recorded as not imported) and the
    import goes on; any other database error is raised after the batch's content is removed.
    """
    rows = [_prepare(context, source) for source in source_rows]
    _check_uniqueness(rows)
    list(
        context.executor.map(lambda row: _copy_content(context, row), [r for r in rows if r.valid])
    )
    stored = [row.content.key for row in rows if row.content is not None]
    try:
        make_durable(row.content.key for row in rows if row.valid and row.content is not None)
        _commit(context, rows)
    except LeaseLost:
        raise  # the new owner redoes this batch and rewrites the same keys
    except IntegrityError as exc:
        delete_content(stored)
        _record_failed_batch(context, source_rows, f"Batch not imported: {exc}")
        return
    except BaseException:
        delete_content(stored)
        raise
    delete_content(row.content.key for row in rows if not row.valid and row.content is not None)


def _record_failed_batch(context: JobContext, source_rows: list[SourceRow], comment: str) -> None:
    with transaction.atomic():
        record_results(
            context.job,
            context.worker_id,
            [
                RowResult(job=context.job, row_number=row.number, imported=False, comment=comment)
                for row in source_rows
            ],
        )
