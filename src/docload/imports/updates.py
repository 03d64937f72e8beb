"""Updating stored documents from an import's records (a JSON payload's records with `_id`).

A record names its document by `_id` (its uuid or URL, or a `lookup:_id` resolved to one) and
must say `_version`: the stored `versie` + 1, else `VersionMismatch`, so that an update never
overwrites a change it did not see. Its fields are merged into the stored values and checked as
the API checks a partial update; the document as it was becomes an earlier version, and the
row result keeps the `versie` it had (`RowResult.previous_versie`), which rollback restores.
Each record commits alone with its result. Content is not changed by an update yet.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse

from docload.documents.identifiers import taken_identificaties
from docload.documents.models import EnkelvoudigInformatieObject, EnkelvoudigInformatieObjectVersie
from docload.documents.validation import validate_document
from docload.documents.values import current_values
from docload.imports.batch import JobContext
from docload.imports.committing import record_not_imported, record_results
from docload.imports.lookups import registry_url
from docload.imports.sources import SourceRow

_INSTRUCTIONS = ("_id", "_version", "uuid", "inhoud")


class _Refused(Exception):
    """Why a record's update is not made; the row's comment."""


def is_update(row: SourceRow) -> bool:
    return "_id" in row.values


def write_updates(context: JobContext, rows: Iterable[SourceRow]) -> None:
    """Update each row's document alone (in a dry run, only check it)."""
    for row in rows:
        try:
            with transaction.atomic():
                document, previous = _update(context, row.values)
                result = {
                    "job_id": context.job.pk,
                    "row_number": row.number,
                    "place": row.place,
                    "imported": True,
                    "comment": f"Updated to versie {previous + 1}.",
                    "document_uuid": document.uuid,
                    "identificatie": document.identificatie,
                    "previous_versie": None if context.job.dry_run else previous,
                }
                record_results(context, [result])
        except _Refused as refused:
            record_not_imported(context, [row], str(refused))


def _update(context: JobContext, values: dict[str, Any]) -> tuple[EnkelvoudigInformatieObject, int]:
    """The updated document and the versie it had."""
    target = _uuid_of(values["_id"])
    document = (
        EnkelvoudigInformatieObject.objects.select_for_update()
        .select_related("informatieobjecttype")
        .filter(uuid=target)
        .first()
        if target
        else None
    )
    if document is None:
        raise _Refused(f"_id: no document {values['_id']!r}. [does_not_exist]")
    version = values.get("_version")
    if version != document.versie + 1:
        raise _Refused(
            f"VersionMismatch: _version {version!r}, but the stored versie is {document.versie}: "
            f"an update says {document.versie + 1}."
        )
    if values.get("inhoud") is not None:
        raise _Refused("inhoud: an update cannot change the content yet. [not-supported]")
    type_path = reverse(
        "informatieobjecttype-detail", kwargs={"uuid": document.informatieobjecttype.uuid}
    )
    merged = current_values(document, registry_url(type_path))
    merged.update({name: value for name, value in values.items() if name not in _INSTRUCTIONS})
    cleaned, errors = validate_document(merged, context.document_types, creating=False)
    if errors:
        raise _Refused("; ".join(f"{e.name}: {e.reason} [{e.code}]" for e in errors))
    pair = (cleaned["bronorganisatie"], cleaned["identificatie"])
    if pair != (document.bronorganisatie, document.identificatie) and taken_identificaties({pair}):
        raise _Refused(f"identificatie: {pair[1]!r} is already used by {pair[0]}. [unique]")
    previous = document.versie
    if context.job.dry_run:
        return document, previous
    EnkelvoudigInformatieObjectVersie.of(document).save()
    for name, value in cleaned.items():
        setattr(document, name, value)
    document.versie = previous + 1
    document.save()
    return document, previous


def _uuid_of(reference: Any) -> uuid.UUID | None:
    """A document's uuid from its uuid or its URL; None when it is neither."""
    try:
        return uuid.UUID(str(reference).rstrip("/").rsplit("/", 1)[-1])
    except ValueError:
        return None
