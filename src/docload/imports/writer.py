"""The batch writer: one batch of rows is the unit of work.

Rows are validated with the registry's own rules, checked for uniqueness with set-based queries,
their content copied (by the job's copier, hashed in the same pass) under keys unique to each
document, and then documents, links, row results and job counters commit in one transaction.

Batches overlap, so that the disk, the copy processes and the database work at the same time:
while batch N+2 is validated, N+1's content is copied and N's flushed to disk; then N commits. The
outcome is exactly that of writing the batches one after the other:

- N+1 is checked for uniqueness after N's content is copied, counting N's valid rows as
  existing documents (they are about to be), so its content never goes to a key N uses;
- when N has committed, N+1 is checked again with N's generated identificaties; when N failed,
  again without N's rows (rows that became valid get their content copied then);
- the content of N's rows found invalid is removed before N+1's copies start.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import operator
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from django.utils import timezone

from docload.documents.constants import ObjectType
from docload.documents.models import EnkelvoudigInformatieObject, ObjectInformatieObject
from docload.documents.storage import StoredContent, delete_content, imported_content_key
from docload.documents.validation import (
    DocumentTypes,
    FieldError,
    allocate_identificaties,
    existing_uuids,
    taken_identificaties,
    validate_document,
)
from docload.imports.columns import RowInput
from docload.imports.copiers import ContentCopier
from docload.imports.copying import CopyOrder, CopyOutcome
from docload.imports.models import Job, RowResult
from docload.imports.sources import SourceRow

_ROWS_PER_COPY_TASK = 25  # rows per copy task: few round trips, work spread over the copiers


class LeaseLost(Exception):
    """Another worker took the job over; this one must stop without writing."""


@dataclass
class JobContext:
    """What a worker needs to write a job's batches, built once per run."""

    job: Job
    worker_id: str
    copier: ContentCopier
    row_input: Callable[[dict[str, Any]], RowInput]
    document_types: DocumentTypes = field(default_factory=DocumentTypes)

    def generated_uuid(self, row_number: int) -> uuid.UUID:
        """The uuid of a row that has none: `uuid5(job uuid, row number)`, deterministic, so a
        batch redone after a crash writes the same keys. Computed as `uuid.uuid5` does, with the
        namespace's bytes taken once per job rather than once per row."""
        digest = hashlib.sha1(self._namespace + str(row_number).encode()).digest()
        return uuid.UUID(bytes=digest[:16], version=5)

    @cached_property
    def _namespace(self) -> bytes:
        return self.job.uuid.bytes


@dataclass
class _Row:
    source: SourceRow
    input: RowInput
    document_uuid: uuid.UUID
    cleaned: dict[str, Any] = field(default_factory=dict)
    # Why the row is not imported, by stage: its values, its uniqueness, its content.
    problem: str = ""
    duplicate: str = ""
    content_problem: str = ""
    key: str = ""  # where its content is being copied to, once ordered
    content: StoredContent | None = None  # once copied and checked

    @property
    def comment(self) -> str:
        return self.problem or self.duplicate or self.content_problem

    @property
    def valid(self) -> bool:
        return not self.comment

    @property
    def pair(self) -> tuple[str, str]:
        """(bronorganisatie, identificatie); the identificatie is empty until generated."""
        return self.cleaned["bronorganisatie"], self.cleaned.get("identificatie", "")


@dataclass
class _Batch:
    """A batch on its way: checked, its content copying or copied, not yet committed."""

    source_rows: list[SourceRow]
    rows: list[_Row]
    copies: list[tuple[list[_Row], Future[list[CopyOutcome]]]] = field(default_factory=list)
    flushed: Future[None] | None = None
    # What the database said about the rows' uuids and identificaties, asked once.
    taken_uuids: set[uuid.UUID] = field(default_factory=set)
    taken_pairs: set[tuple[str, str]] = field(default_factory=set)

    def valid_rows(self) -> list[_Row]:
        return [row for row in self.rows if row.valid]

    def content_keys(self) -> list[str]:
        return [row.content.key for row in self.rows if row.content is not None]


def _describe(errors: Iterable[FieldError]) -> str:
    return "; ".join(f"{error.name}: {error.reason} [{error.code}]" for error in errors)


def _prepare(context: JobContext, source: SourceRow) -> _Row:
    row_input = context.row_input(source.values)
    try:
        document_uuid = (
            uuid.UUID(row_input.uuid) if row_input.uuid else context.generated_uuid(source.number)
        )
    except ValueError:
        return _Row(
            source,
            row_input,
            context.generated_uuid(source.number),
            problem=f"uuid: {row_input.uuid!r} is not a valid UUID.",
        )
    row = _Row(source, row_input, document_uuid)
    if row.input.zaak_uuid:
        try:
            uuid.UUID(row.input.zaak_uuid)
        except ValueError:
            row.problem = f"zaakUuid: {row.input.zaak_uuid!r} is not a valid UUID."
            return row
    row.cleaned, errors = validate_document(row.input.document, context.document_types)
    if errors:
        row.problem = _describe(errors)
    return row


def _ask_database(batch: _Batch) -> None:
    """Which of the batch's uuids and identificaties documents already use."""
    checked = [row for row in batch.rows if not row.problem]
    batch.taken_uuids = existing_uuids({row.document_uuid for row in checked})
    pairs = [row.pair for row in checked]
    batch.taken_pairs = taken_identificaties({pair for pair in pairs if pair[1]})


def _mark_duplicates(batch: _Batch, ahead: _Batch | None) -> None:
    """(Re)decide each row's uniqueness; the valid rows of `ahead` count as existing."""
    taken_uuids = set(batch.taken_uuids)
    taken_pairs = set(batch.taken_pairs)
    if ahead is not None:
        for row in ahead.valid_rows():
            taken_uuids.add(row.document_uuid)
            pair = row.pair
            if pair[1]:
                taken_pairs.add(pair)
    seen_uuids: set[uuid.UUID] = set()
    seen_pairs: set[tuple[str, str]] = set()
    for row in batch.rows:
        if row.problem:
            continue
        pair = row.pair
        row.duplicate = ""
        if row.document_uuid in taken_uuids:
            row.duplicate = f"uuid: a document with uuid {row.document_uuid} already exists."
        elif row.document_uuid in seen_uuids:
            row.duplicate = f"uuid: {row.document_uuid} occurs earlier in this file."
        elif pair in taken_pairs:
            row.duplicate = f"identificatie: {pair[1]!r} is already used by {pair[0]}."
        elif pair[1] and pair in seen_pairs:
            row.duplicate = f"identificatie: {pair[1]!r} occurs earlier in this file."
        seen_uuids.add(row.document_uuid)
        if pair[1]:
            seen_pairs.add(pair)


def _start_copies(context: JobContext, batch: _Batch) -> None:
    """Order the copies of valid rows' content not ordered yet, a few rows per task."""
    rows = [row for row in batch.rows if row.valid and row.input.content_reference]
    rows = [row for row in rows if not row.key]
    job_hex = context.job.uuid.hex
    for row in rows:
        row.key = imported_content_key(job_hex, row.source.number, row.document_uuid)
    for start in range(0, len(rows), _ROWS_PER_COPY_TASK):
        chunk = rows[start : start + _ROWS_PER_COPY_TASK]
        orders = [_copy_order(row) for row in chunk]
        batch.copies.append((chunk, context.copier.copy(orders)))


def _copy_order(row: _Row) -> CopyOrder:
    return CopyOrder(
        reference=row.input.content_reference,
        key=row.key,
        expected_size=row.cleaned.get("bestandsomvang"),
        algorithm=row.cleaned.get("integriteit_algoritme", ""),
        expected_digest=row.cleaned.get("integriteit_waarde", ""),
    )


def _settle(context: JobContext, batch: _Batch) -> None:
    """Wait for the batch's copies, remove the content of rows that turned out invalid, and
    start flushing the rest to disk (`_commit` waits for that)."""
    for rows, copies in batch.copies:
        for row, outcome in zip(rows, copies.result(), strict=True):
            row.content_problem = outcome.problem
            row.content = StoredContent(row.key, outcome.size)
    batch.copies.clear()
    delete_content(row.key for row in batch.rows if not row.valid and row.key)
    for row in batch.rows:
        if not row.valid:
            row.content = None
    batch.flushed = context.copier.flush(batch.content_keys())


class _Inserter:
    """INSERTs rows given as {attname: value}, as many per statement as the database allows.

    What `bulk_create` does, at a fraction of its cost per row (it builds a model instance and
    compiles each value): None and values already of the column's plain Python type
    (`_plain_type`) go to the database as they are, others are prepared as their field's
    `get_db_prep_save` would (`_preparer`). Missing values take the field's default; `auto_now`
    fields the time of the insert.
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model

    @cached_property
    def _fields(self) -> list[tuple[models.Field[Any, Any], type | None]]:
        return [
            (model_field, _plain_type(model_field))
            for model_field in self.model._meta.concrete_fields
            if not isinstance(model_field, models.AutoField)
        ]

    def insert(self, rows: Iterable[dict[str, Any]]) -> None:
        connection = connections[DEFAULT_DB_ALIAS]  # the one transaction.atomic() uses
        rows = list(rows)
        now = timezone.now()
        # Column by column: one comprehension prepares all values of a field.
        columns = [
            self._column(field, plain, rows, now, connection) for field, plain in self._fields
        ]
        params = [value for row in zip(*columns, strict=True) for value in row]
        # One statement per `size` rows, run for all full chunks at once, then the remainder.
        fields = [model_field for model_field, _ in self._fields]
        size = max(connection.ops.bulk_batch_size(fields, rows), 1)
        width = len(fields) * size
        full = len(params) - len(params) % width
        with connection.cursor() as cursor:
            if full:
                chunks = [params[start : start + width] for start in range(0, full, width)]
                cursor.executemany(self._statement(connection, size), chunks)
            if full < len(params):
                rest = params[full:]
                cursor.execute(self._statement(connection, len(rest) // len(fields)), rest)

    @staticmethod
    def _column(
        model_field: models.Field[Any, Any],
        plain: type | None,
        rows: list[dict[str, Any]],
        now: datetime.datetime,
        connection: BaseDatabaseWrapper,
    ) -> list[Any]:
        if _sets_now(model_field):
            return [model_field.get_db_prep_save(now, connection)] * len(rows)
        name = model_field.attname
        if callable(model_field.default):
            values = [row[name] if name in row else model_field.get_default() for row in rows]
        else:
            default = model_field.get_default()  # the same for every row: asked once
            values = [row.get(name, default) for row in rows]
        prepare = _preparer(model_field, connection)
        return [
            value if value is None or type(value) is plain else prepare(value) for value in values
        ]

    def _statement(self, connection: BaseDatabaseWrapper, rows: int) -> str:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(cast(str, f.column)) for f, _ in self._fields)  # concrete: set
        values = ", ".join([f"({', '.join(['%s'] * len(self._fields))})"] * rows)
        return f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) VALUES {values}"


def _plain_type(model_field: models.Field[Any, Any]) -> type | None:
    """The type whose values a column takes unprepared: str for text, int for integers (and
    foreign keys to them), bool for booleans; None when every value needs preparing."""
    target = model_field.target_field if isinstance(model_field, models.ForeignKey) else model_field
    if isinstance(target, models.CharField | models.TextField):
        return str
    if isinstance(target, models.BooleanField):
        return bool
    if isinstance(target, models.IntegerField):
        return int
    return None


def _preparer(
    model_field: models.Field[Any, Any], connection: BaseDatabaseWrapper
) -> Callable[[Any], Any]:
    """What `get_db_prep_save` does to a column's values that are neither None nor plain.

    For the three kinds of value every row has (the uuid, dates, the trefwoorden list) the
    backend's adapter is called directly, as `get_db_prep_save` ends up doing after three or
    four calls of its own per value: with 31 columns a row, those calls were a tenth of an
    import's time.
    """
    if isinstance(model_field, models.UUIDField):
        if connection.features.has_native_uuid_field:
            return _unchanged
        return operator.attrgetter("hex")
    if type(model_field) is models.DateField:
        return connection.ops.adapt_datefield_value
    if isinstance(model_field, models.JSONField):
        return functools.partial(connection.ops.adapt_json_value, encoder=model_field.encoder)
    return functools.partial(model_field.get_db_prep_save, connection=connection)


def _unchanged(value: Any) -> Any:
    return value


def _sets_now(model_field: models.Field[Any, Any]) -> bool:
    return getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)


_documents = _Inserter(EnkelvoudigInformatieObject)
_results = _Inserter(RowResult)


def _commit(context: JobContext, batch: _Batch) -> bool:
    """Write the batch's documents, links, results and counters in one transaction.

    A constraint violation fails the whole batch (its rows are recorded as not imported, its
    content removed) and returns False; the import goes on.
    """
    job = context.job
    valid = batch.valid_rows()
    try:
        with transaction.atomic():
            without_id = [row for row in valid if not row.cleaned.get("identificatie")]
            generated = allocate_identificaties(len(without_id), timezone.now().year)
            for row, identificatie in zip(without_id, generated, strict=True):
                row.cleaned["identificatie"] = identificatie
            _documents.insert(_document_values(job, row) for row in valid)
            _link_zaken(valid)
            record_results(
                job,
                context.worker_id,
                [
                    {
                        "job_id": job.pk,
                        "row_number": row.source.number,
                        "imported": row.valid,
                        "comment": row.comment,
                        "document_uuid": row.document_uuid if row.valid else None,
                        "identificatie": row.cleaned["identificatie"] if row.valid else "",
                    }
                    for row in batch.rows
                ],
            )
            if batch.flushed is not None:
                batch.flushed.result()  # the content is on disk before its rows commit
    except IntegrityError as exc:
        delete_content(batch.content_keys())
        for row in batch.rows:
            row.content = None
        _record_failed_batch(context, batch.source_rows, f"Batch not imported: {exc}")
        return False
    return True


def _document_values(job: Job, row: _Row) -> dict[str, Any]:
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


def _link_zaken(rows: list[_Row]) -> None:
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


def record_results(job: Job, worker_id: str, results: list[dict[str, Any]]) -> None:
    """Store row results ({RowResult attname: value}) and add them to the job's counters,
    renewing the worker's lease.

    Must run inside the batch's transaction. Raises LeaseLost when another worker has the job.
    """
    _results.insert(results)
    succeeded = sum(1 for result in results if result["imported"])
    updated = Job.objects.filter(pk=job.pk, lease_owner=worker_id).update(
        processed=F("processed") + len(results),
        succeeded=F("succeeded") + succeeded,
        invalid=F("invalid") + len(results) - succeeded,
        lease_expires=timezone.now() + datetime.timedelta(seconds=settings.IMPORT_LEASE_SECONDS),
    )
    if not updated:
        raise LeaseLost(f"{worker_id} no longer holds the lease on {job.uuid}")


def _record_failed_batch(context: JobContext, source_rows: list[SourceRow], comment: str) -> None:
    with transaction.atomic():
        record_results(
            context.job,
            context.worker_id,
            [
                {
                    "job_id": context.job.pk,
                    "row_number": row.number,
                    "imported": False,
                    "comment": comment,
                }
                for row in source_rows
            ],
        )


class BatchWriter:
    """Writes a job's batches in order, overlapping their stages: while a batch is prepared,
    the one before it is being copied and the one before that flushed to disk.

    An invalid row never stops the others. After a fault, `discard()` leaves nothing of the
    batches that did not commit. Raises LeaseLost when another
    worker has the job (its batches in progress are left to the new owner, who rewrites them).
    """

    def __init__(self, context: JobContext) -> None:
        self.context = context
        # Not committed yet, oldest first: at most a settled batch (its content flushing) and a
        # batch whose content is copying.
        self._open: list[_Batch] = []

    def write(self, source_rows: list[SourceRow]) -> None:
        """Take the next batch and start copying its content; commit the batch two before it."""
        batch = _Batch(source_rows, [_prepare(self.context, row) for row in source_rows])
        self._advance()
        ahead = self._open[-1] if self._open else None  # settled, not committed
        _ask_database(batch)
        _mark_duplicates(batch, ahead)
        _start_copies(self.context, batch)
        self._open.append(batch)

    def finish(self) -> None:
        """Commit the batches still open."""
        self._advance()
        if self._open:
            self._commit(self._open[-1])

    def _advance(self) -> None:
        """Commit the settled batch, if there is one; then settle the batch copying.

        The settled batch's flush had the next batch's preparation to finish, and the copying
        batch's copies that and the commit.
        """
        if len(self._open) == 2:
            settled, copying = self._open
            committed = self._commit(settled)
            # Decide again as if `settled` had been written before `copying` was checked.
            _mark_duplicates(copying, settled if committed else None)
            _start_copies(self.context, copying)
        if self._open:
            _settle(self.context, self._open[-1])

    def _commit(self, batch: _Batch) -> bool:
        committed = _commit(self.context, batch)
        self._open.remove(batch)
        return committed

    def discard(self) -> list[SourceRow]:
        """Remove the content of the batches that did not commit; return their rows.

        Waits for their copies first, so that none writes afterwards.
        """
        rows = []
        for batch in self._open:
            wait([copies for _, copies in batch.copies])
            delete_content(row.key for row in batch.rows if row.key)
            rows.extend(batch.source_rows)
        self._open.clear()
        return rows
