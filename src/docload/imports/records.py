"""Records of a workbook's types and links sheets, each row validated and written on its own.

A row's record, its result and the job's counters commit in one transaction, as a batch of one:
there are few of these rows beside the documents, and a link may need the document of the row
before it. Documents go through the batch writer (`writer`). A dry run checks each record as
for real and stores none; the documents and links after a type it would create may refer to it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.db import IntegrityError, transaction

from docload.catalog.models import InformatieObjectType
from docload.documents.models import EnkelvoudigInformatieObject, ObjectInformatieObject
from docload.documents.related_validation import validate_document_type, validate_link
from docload.documents.validation import FieldError
from docload.imports.batch import JobContext
from docload.imports.committing import record_not_imported, record_results
from docload.imports.sources import SourceRow
from docload.imports.sources.xlsx import LINKS_SHEET, TYPES_SHEET

RECORD_SHEETS = (TYPES_SHEET, LINKS_SHEET)


class _Refused(Exception):
    """Why a row's record is not written; the row's comment."""


def write_records(context: JobContext, rows: Iterable[SourceRow]) -> None:
    """Write each row's record alone (in a dry run, only check it): a refused row is recorded as
    not imported, with why."""
    for row in rows:
        create = _CREATORS[row.kind]
        record_uuid = _record_uuid(context, row)
        try:
            with transaction.atomic():
                detail = create(context, record_uuid, _cells(row.values))
                result = {
                    "job_id": context.job.pk,
                    "row_number": row.number,
                    "place": row.place,
                    "imported": True,
                    "comment": detail,
                    "document_uuid": record_uuid,
                }
                record_results(context, [result])
        except _Refused as refused:
            record_not_imported(context, [row], str(refused))
        except IntegrityError as exc:
            record_not_imported(context, [row], f"Not imported: {exc}")


def _cells(values: dict[str, Any]) -> dict[str, str]:
    return {name: str(value).strip() for name, value in values.items() if str(value).strip()}


def _record_uuid(context: JobContext, row: SourceRow) -> uuid.UUID | None:
    given = str(row.values.get("uuid") or "").strip()
    if not given:
        return context.generated_uuid(row.number)
    try:
        return uuid.UUID(given)
    except ValueError:
        return None


def _check(record_uuid: uuid.UUID | None, errors: list[FieldError], given: str) -> uuid.UUID:
    if record_uuid is None:
        errors = [FieldError("uuid", "invalid", f"{given!r} is not a valid UUID."), *errors]
    if errors or record_uuid is None:
        raise _Refused("; ".join(f"{e.name}: {e.reason} [{e.code}]" for e in errors))
    return record_uuid


def _create_type(context: JobContext, record_uuid: uuid.UUID | None, values: dict[str, str]) -> str:
    cleaned, errors = validate_document_type(values)
    checked = _check(record_uuid, errors, values.get("uuid", ""))
    prepared = context.document_types.prepared
    if str(checked) in prepared or InformatieObjectType.objects.filter(uuid=checked).exists():
        raise _Refused(f"uuid: an informatieobjecttype {checked} exists already. [unique]")
    # Published unless the row says it is a concept: the documents after it need it published.
    concept = bool(cleaned.pop("concept"))
    document_type = InformatieObjectType(uuid=checked, concept=concept, **cleaned)
    if context.job.dry_run:
        prepared[str(checked)] = document_type  # for the documents after it to refer to
        return f"Informatieobjecttype {checked} can be created."
    document_type.save()
    return f"Informatieobjecttype {checked} created{' as a concept' if concept else ''}."


def _create_link(context: JobContext, record_uuid: uuid.UUID | None, values: dict[str, str]) -> str:
    cleaned, errors = validate_link(values)
    checked = _check(record_uuid, errors, values.get("uuid", ""))
    document_uuid = uuid.UUID(cleaned.pop("informatieobject_uuid"))
    if context.job.dry_run and document_uuid in context.prepared_uuids:
        return f"Objectinformatieobject {checked} can be created."
    document = EnkelvoudigInformatieObject.objects.filter(uuid=document_uuid).first()
    if document is None:
        raise _Refused(
            f"informatieobject: {values['informatieobject']!r} does not exist. [does_not_exist]"
        )
    if ObjectInformatieObject.objects.filter(
        informatieobject=document, object=cleaned["object"]
    ).exists():
        raise _Refused("object: the document is already linked to this object. [unique]")
    if ObjectInformatieObject.objects.filter(uuid=checked).exists():
        raise _Refused(f"uuid: an objectinformatieobject {checked} exists already. [unique]")
    if context.job.dry_run:
        return f"Objectinformatieobject {checked} can be created."
    ObjectInformatieObject.objects.create(uuid=checked, informatieobject=document, **cleaned)
    target = cleaned["object"]
    return f"Objectinformatieobject {checked} created: {document.identificatie} -> {target}."


_CREATORS: dict[str, Callable[[JobContext, uuid.UUID | None, dict[str, str]], str]] = {
    TYPES_SHEET: _create_type,
    LINKS_SHEET: _create_link,
}
